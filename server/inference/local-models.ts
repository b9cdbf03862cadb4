// Owns the lifecycle of local models: which GGUF a name means, loading on demand (JIT), the
// slot count each loaded model gives the scheduler, keep-alive unloads and LRU eviction.
import path from 'node:path';
import type { CanonicalRequest, EmbedRequest, EmbedResult, EngineEvent } from '../contract/canonical.js';
import type { LoadedInfo, LoadOptions } from '../contract/worker-protocol.js';
import type { EngineSupervisor } from '../engine/supervisor.js';
import { hearthError } from '../errors/catalog.js';
import type { Engine } from './engine.js';

export interface LocalModelsDeps {
  supervisor: EngineSupervisor;
  /**
   * Resolves a model name to a file that passed pre-validation; throws HearthError (404, 400, 422).
   * `registered` is the path given for it at start (`--model ./x.gguf`), if any.
   */
  resolvePath: (name: string, registered?: string) => Promise<string>;
  /** Tells the scheduler how many slots a model has (0 while not loaded). */
  setCapacity: (pool: string, slots: number) => void;
  /** Load options for a model (per-model settings merged over the defaults). */
  loadOptions: (name: string) => LoadOptions;
  /** Idle time before unloading, ms; negative = never. */
  keepAliveMs: number;
  /** How many models may be loaded at once; the least recently used is unloaded first. */
  maxLoadedModels: number;
  /** Whether the models directory holds at least one valid model (cached). */
  hasCatalogModels: () => boolean;
  onLog?: (msg: string) => void;
}

interface ModelState {
  path: string;
  loading?: Promise<LoadedInfo>;
  info?: LoadedInfo;
  active: number;
  lastUsed: number;
  keepAliveMs: number;
  expiresAt?: number;
  timer?: NodeJS.Timeout;
}

export const localPool = (name: string) => `local:${name}`;

export class LocalModels implements Engine {
  private states = new Map<string, ModelState>();
  /** Files given by path (`--model ./x.gguf`) rather than found in the models dir. */
  private extraPaths = new Map<string, string>();

  constructor(private readonly deps: LocalModelsDeps) {
    // A crashed worker loses every model: drop to 0 slots, then load them again once it is back.
    deps.supervisor.on('crash', () => {
      const lost = [...this.states.entries()].filter(([, st]) => st.info);
      for (const [name, st] of lost) { st.info = undefined; deps.setCapacity(localPool(name), 0); }
      void deps.supervisor.ready().then(async () => {
        for (const [name] of lost) await this.ensureLoaded(name).catch((e) => deps.onLog?.(`reload of ${name} failed: ${(e as Error).message}`));
      }, () => undefined);
    });
  }

  /** Registers a model file given by path; returns its name (the file stem). */
  registerFile(file: string): string {
    const name = path.basename(file).replace(/\.gguf$/i, '');
    this.extraPaths.set(name, path.resolve(file));
    return name;
  }

  private async pathOf(name: string): Promise<string> {
    return this.deps.resolvePath(name, this.extraPaths.get(name));
  }

  /** Loads `name` if needed; resolves when it can serve. Concurrent callers share one load. */
  async ensureLoaded(name: string): Promise<LoadedInfo> {
    let st = this.states.get(name);
    if (st?.info) return st.info;
    if (st?.loading) return st.loading;
    const file = await this.pathOf(name);
    st ??= { path: file, active: 0, lastUsed: Date.now(), keepAliveMs: this.deps.keepAliveMs };
    st.path = file;
    this.states.set(name, st);
    const state = st;
    state.loading = (async () => {
      await this.evictFor(name);
      this.deps.onLog?.(`loading model ${name}`);
      const info = await this.deps.supervisor.load(name, file, this.deps.loadOptions(name));
      state.info = info;
      this.deps.setCapacity(localPool(name), info.slots);
      this.schedule(name);
      return info;
    })();
    try {
      return await state.loading;
    } catch (err) {
      this.states.delete(name);
      throw err;
    } finally {
      state.loading = undefined;
    }
  }

  private async evictFor(name: string): Promise<void> {
    const others = [...this.states.entries()].filter(([n, s]) => n !== name && s.info);
    while (others.length >= this.deps.maxLoadedModels) {
      others.sort((a, b) => a[1].lastUsed - b[1].lastUsed);
      const victim = others.find(([, s]) => s.active === 0);
      if (!victim) throw hearthError('ERR_OVERLOADED', 'Another model is busy and there is no room to load this one.', { retryAfterS: 5 });
      others.splice(others.indexOf(victim), 1);
      await this.unload(victim[0]);
    }
  }

  async unload(name: string): Promise<void> {
    const st = this.states.get(name);
    if (st?.timer) clearTimeout(st.timer);
    this.states.delete(name);
    this.deps.setCapacity(localPool(name), 0);
    await this.deps.supervisor.unload(name);
    this.deps.onLog?.(`unloaded model ${name}`);
  }

  private schedule(name: string): void {
    const st = this.states.get(name);
    if (!st) return;
    if (st.timer) clearTimeout(st.timer);
    st.timer = undefined; st.expiresAt = undefined;
    if (st.active > 0 || st.keepAliveMs < 0) return;
    st.expiresAt = Date.now() + st.keepAliveMs;
    st.timer = setTimeout(() => { if (st.active === 0) void this.unload(name).catch(() => undefined); }, st.keepAliveMs);
    st.timer.unref();
  }

  private begin(name: string, keepAliveMs?: number): () => void {
    const st = this.states.get(name);
    if (!st) return () => undefined;
    st.active++;
    if (keepAliveMs !== undefined) st.keepAliveMs = keepAliveMs;
    if (st.timer) { clearTimeout(st.timer); st.timer = undefined; st.expiresAt = undefined; }
    return () => { st.active--; st.lastUsed = Date.now(); this.schedule(name); };
  }

  /** Names of models being loaded now. */
  loading(): string[] { return [...this.states.entries()].filter(([, s]) => s.loading).map(([n]) => n); }

  /** Whether any local model could be loaded: a registered file or a valid catalog entry. */
  hasCandidates(): boolean { return this.extraPaths.size > 0 || this.deps.hasCatalogModels(); }

  /** Whether a model is known without touching the catalog (registered by path). */
  isRegistered(name: string): boolean { return this.extraPaths.has(name); }

  /** Sets a loaded model's idle time (Ollama `keep_alive` on a load request) and restarts its timer. */
  setKeepAlive(name: string, keepAliveMs: number): void {
    const st = this.states.get(name);
    if (!st) return;
    st.keepAliveMs = keepAliveMs;
    this.schedule(name);
  }

  isLoaded(name: string): boolean { return !!this.states.get(name)?.info; }
  isInUse(name: string): boolean { const st = this.states.get(name); return !!st && (st.active > 0 || !!st.loading); }

  /** Loaded models with their expiry, for /api/ps and the admin status. */
  loaded(): Array<{ name: string; info: LoadedInfo; expiresAt?: string; active: number; path: string }> {
    return [...this.states.entries()].filter(([, s]) => s.info).map(([name, s]) => ({
      name, info: s.info!, active: s.active, path: s.path, ...(s.expiresAt ? { expiresAt: new Date(s.expiresAt).toISOString() } : {}),
    }));
  }

  async *generate(req: CanonicalRequest, signal: AbortSignal): AsyncGenerator<EngineEvent> {
    await this.ensureLoaded(req.model);
    const end = this.begin(req.model, req.keepAliveMs);
    try {
      yield* this.deps.supervisor.generate(req, signal);
    } finally { end(); }
  }

  async embed(req: EmbedRequest): Promise<EmbedResult> {
    await this.ensureLoaded(req.model);
    const end = this.begin(req.model);
    try { return await this.deps.supervisor.embed(req.model, req.input); } finally { end(); }
  }

  async close(): Promise<void> {
    for (const st of this.states.values()) if (st.timer) clearTimeout(st.timer);
    this.states.clear();
  }
}
