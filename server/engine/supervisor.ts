// Owns the engine worker's lifecycle from the server side: spawns it, speaks the typed IPC
// protocol, turns its messages into canonical event streams, and restarts it when it dies
// (in-flight requests get ERR_ENGINE_CRASHED).
import { fork, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CanonicalRequest, EmbedResult, EngineEvent } from '../contract/canonical.js';
import { FromWorker, type LoadedInfo, type LoadOptions, type MemoryInfo, type ToWorker } from '../contract/worker-protocol.js';
import { hearthError, HearthError, type ErrorCode, ERRORS } from '../errors/catalog.js';

export type WorkerState = 'starting' | 'ready' | 'restarting' | 'stopped';

interface Pending {
  onMessage(m: FromWorker): void;
  onCrash(err: HearthError): void;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const isTs = import.meta.url.endsWith('.ts');
const workerFile = path.join(here, isTs ? 'worker.ts' : 'worker.js');

function workerError(e: { code: string; message: string; detail?: Record<string, unknown> }): HearthError {
  const code = (e.code in ERRORS ? e.code : 'ERR_INTERNAL') as ErrorCode;
  return hearthError(code, e.message, { detail: e.detail });
}

/** A small async queue turning pushed events into an async iterator. */
class EventQueue<T> {
  private items: T[] = [];
  private waiter: (() => void) | undefined;
  private error: unknown;
  private ended = false;
  push(v: T): void { this.items.push(v); this.wake(); }
  end(): void { this.ended = true; this.wake(); }
  fail(err: unknown): void { this.error = err; this.wake(); }
  private wake(): void { const w = this.waiter; this.waiter = undefined; w?.(); }
  async *drain(): AsyncGenerator<T> {
    for (;;) {
      if (this.items.length) { yield this.items.shift()!; continue; }
      if (this.error) throw this.error;
      if (this.ended) return;
      await new Promise<void>((r) => { this.waiter = r; });
    }
  }
}

export interface SupervisorOptions {
  /** Engine threads. Defaults to the worker's choice from physical cores. */
  threads?: number;
  /** GPU backend (auto|cuda|vulkan|metal|false). Defaults to auto. */
  gpu?: string;
  /** Called with each stderr line of the worker. */
  onLog?: (line: string) => void;
}

export class EngineSupervisor extends EventEmitter {
  state: WorkerState = 'stopped';
  restarts = 0;
  lastCrash: { at: string; reason: string } | undefined;
  gpu = 'unknown';
  threads = 0;
  private child: ChildProcess | undefined;
  private nextId = 1;
  private pending = new Map<number, Pending>();
  private readyPromise: Promise<void> | undefined;
  private closing = false;

  constructor(private readonly opts: SupervisorOptions = {}) { super(); }

  /** Starts the worker and resolves once it is ready. */
  start(): Promise<void> {
    this.readyPromise ??= this.spawn();
    return this.readyPromise;
  }

  private spawn(): Promise<void> {
    this.state = this.restarts > 0 ? 'restarting' : 'starting';
    this.emit('state', this.state);
    const child = fork(workerFile, [], {
      execArgv: isTs ? ['--import', 'tsx'] : [],
      env: { ...process.env, HEARTH_WORKER_CONFIG: JSON.stringify({ threads: this.opts.threads, gpu: this.opts.gpu }) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (d: string) => { for (const line of d.split('\n')) if (line) this.opts.onLog?.(line); });
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      child.on('message', (raw) => {
        const parsed = FromWorker.safeParse(raw);
        if (!parsed.success) { this.opts.onLog?.(`bad worker message: ${parsed.error.message}`); return; }
        const m = parsed.data;
        if (m.t === 'ready') {
          ready = true; this.gpu = m.gpu; this.threads = m.threads;
          this.state = 'ready'; this.emit('state', this.state);
          resolve();
          return;
        }
        this.pending.get(m.id)?.onMessage(m);
      });
      child.on('exit', (code, signal) => {
        if (this.child !== child) return;
        this.child = undefined;
        const reason = `engine worker exited (${signal ?? `code ${code}`})`;
        const err = hearthError('ERR_ENGINE_CRASHED', `The engine worker stopped (${signal ?? `code ${code}`}); it is restarting.`);
        const pending = [...this.pending.values()];
        this.pending.clear();
        for (const p of pending) p.onCrash(err);
        if (this.closing) { this.state = 'stopped'; this.emit('state', this.state); return; }
        this.restarts++;
        this.lastCrash = { at: new Date().toISOString(), reason };
        if (!ready) { reject(new Error(reason)); }
        // Restart after a short back-off; LocalModels loads its models again.
        this.state = 'restarting';
        this.readyPromise = new Promise<void>((r) => setTimeout(r, Math.min(5000, 100 * this.restarts))).then(() => this.spawn());
        this.readyPromise.catch(() => undefined);
        this.emit('crash', this.lastCrash);
        this.emit('state', this.state);
      });
    });
  }

  /** Resolves when the worker is ready (after a restart too). */
  async ready(): Promise<void> {
    if (!this.readyPromise) throw hearthError('ERR_NOT_READY');
    await this.readyPromise;
  }

  private request(msg: ToWorker, p: Pending): void {
    if (!this.child || this.state !== 'ready') throw hearthError('ERR_ENGINE_CRASHED', 'The engine worker is not running; it is restarting.');
    this.pending.set(msg.id, p);
    this.child.send(msg);
  }

  private call<T>(build: (id: number) => ToWorker, pick: (m: FromWorker) => T | undefined): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.request(build(id), {
        onMessage: (m) => {
          this.pending.delete(id);
          if (m.t === 'error') reject(workerError(m.error));
          else { const v = pick(m); if (v === undefined) reject(hearthError('ERR_INTERNAL', `unexpected worker reply ${m.t}`)); else resolve(v); }
        },
        onCrash: reject,
      });
    });
  }

  async load(model: string, modelPath: string, options: LoadOptions): Promise<LoadedInfo> {
    await this.ready();
    return this.call((id) => ({ t: 'load', id, model, path: modelPath, options }), (m) => (m.t === 'loaded' ? m.info : undefined));
  }

  async unload(model: string): Promise<void> {
    if (this.state !== 'ready') return;
    await this.call((id) => ({ t: 'unload', id, model }), (m) => (m.t === 'unloaded' ? true : undefined));
  }

  async memory(): Promise<MemoryInfo> {
    await this.ready();
    return this.call((id) => ({ t: 'memory', id }), (m) => (m.t === 'memory' ? m.info : undefined));
  }

  async embed(model: string, input: string[]): Promise<EmbedResult> {
    await this.ready();
    return this.call((id) => ({ t: 'embed', id, model, input }), (m) => (m.t === 'embedded' ? { embeddings: m.embeddings, promptTokens: m.promptTokens } : undefined));
  }

  /** Streams one request. Aborting `signal` stops generation in the worker and ends with finishReason "abort". */
  async *generate(req: CanonicalRequest, signal: AbortSignal): AsyncGenerator<EngineEvent> {
    const id = this.nextId++;
    const q = new EventQueue<EngineEvent>();
    const onAbort = () => { if (this.pending.has(id)) this.child?.send({ t: 'abort', id } satisfies ToWorker); };
    this.request({ t: 'generate', id, req }, {
      onMessage: (m) => {
        switch (m.t) {
          case 'start': q.push({ type: 'start', promptTokens: m.promptTokens }); break;
          case 'delta': q.push({ type: 'delta', text: m.text }); break;
          case 'done': this.pending.delete(id); q.push({ type: 'done', finishReason: m.finishReason, usage: m.usage, ...(m.stopSequence !== undefined ? { stopSequence: m.stopSequence } : {}) }); q.end(); break;
          case 'error': this.pending.delete(id); q.fail(workerError(m.error)); break;
          default: break;
        }
      },
      onCrash: (err) => q.fail(err),
    });
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal.aborted) onAbort();
      yield* q.drain();
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (this.pending.has(id)) { onAbort(); }
    }
  }

  /** Kills the worker (tests and fault injection use the pid). */
  get pid(): number | undefined { return this.child?.pid; }

  /** Stops the worker: it disposes its contexts, models and llama, then exits. */
  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (!child) { this.state = 'stopped'; return; }
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => { child.kill('SIGKILL'); }, 5000);
      child.once('exit', () => { clearTimeout(t); resolve(); });
      child.disconnect();
    });
    this.state = 'stopped';
  }
}
