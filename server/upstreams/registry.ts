// Owns the declared upstreams of one server: one adapter per upstream, its scheduler pool
// (`upstream:<name>`, capacity = its concurrency), resolving `<upstream>/<model>` names to targets,
// and the upstreams' model lists (cached, each id prefixed with `<upstream>/`).
import type { Logger } from 'pino';
import type { UpstreamDecl } from '../config/options.js';
import type { CanonicalRequest } from '../contract/canonical.js';
import type { Engine, ModelListing } from '../inference/engine.js';
import type { Target, UpstreamLookup } from '../inference/router.js';
import { toHearthError } from '../errors/catalog.js';
import type { UpstreamAdapter, UpstreamModel } from './adapter.js';
import { UpstreamHttpClient, type UpstreamTimeouts } from './http-client.js';
import { createOpenAIAdapter } from './openai.js';
import { createAnthropicAdapter } from './anthropic.js';
import { createOllamaAdapter } from './ollama.js';

export interface UpstreamsOptions {
  admission: { setCapacity(pool: string, slots: number): void };
  logger?: Pick<Logger, 'warn'>;
  connectTimeoutMs?: number;
  firstByteTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** How long a fetched model list is reused, ms. Defaults to 60000. */
  listTtlMs?: number;
}

export const upstreamPool = (name: string) => `upstream:${name}`;

interface Entry {
  decl: UpstreamDecl;
  adapter: UpstreamAdapter;
  list?: { at: number; ok: boolean; models: UpstreamModel[] };
  listing?: Promise<UpstreamModel[]>;
}

/** Retry a failed list fetch after this long rather than the full TTL. */
const FAILED_LIST_TTL_MS = 5_000;
const LIST_TIMEOUT_MS = 15_000;

const ADAPTERS = { openai: createOpenAIAdapter, anthropic: createAnthropicAdapter, ollama: createOllamaAdapter } as const;

/** At most this many resolved names are kept. */
const TARGET_CACHE = 256;

export class UpstreamRegistry implements UpstreamLookup {
  private readonly entries = new Map<string, Entry>();
  /** Targets already built, per requested name (clients send the same few; emptied when it reaches TARGET_CACHE). */
  private readonly targets = new Map<string, Target>();
  private readonly client: UpstreamHttpClient;
  private readonly ttlMs: number;

  constructor(decls: readonly UpstreamDecl[], private readonly opts: UpstreamsOptions) {
    const timeouts: UpstreamTimeouts = { connectMs: opts.connectTimeoutMs ?? 10_000, firstByteMs: opts.firstByteTimeoutMs ?? 60_000, idleMs: opts.idleTimeoutMs ?? 30_000 };
    this.client = new UpstreamHttpClient(timeouts);
    this.ttlMs = opts.listTtlMs ?? 60_000;
    for (const decl of decls) {
      if (this.entries.has(decl.name)) throw new Error(`upstream "${decl.name}" is declared twice`);
      this.entries.set(decl.name, { decl, adapter: ADAPTERS[decl.kind]({ decl, client: this.client }) });
      opts.admission.setCapacity(upstreamPool(decl.name), decl.concurrency);
    }
  }

  /** Declared upstream names. */
  names(): string[] { return [...this.entries.keys()]; }

  /** `<upstream>/<model>` → the target that sends `<model>` to that upstream; undefined for an unknown upstream. */
  resolve(name: string): Target | undefined {
    const cached = this.targets.get(name);
    if (cached) return cached;
    const slash = name.indexOf('/');
    if (slash <= 0 || slash === name.length - 1) return undefined;
    const entry = this.entries.get(name.slice(0, slash));
    if (!entry) return undefined;
    const model = name.slice(slash + 1);
    const { adapter } = entry;
    // The upstream model is fixed here, whatever name the request carries (spill-over sends a local name).
    const engine: Engine = {
      generate: (req, signal) => adapter.generate(model, req, signal),
      embed: (req, signal) => adapter.embed(model, req, signal),
      ...(adapter.complete ? { complete: (req: CanonicalRequest, signal: AbortSignal) => adapter.complete!(model, req, signal) } : {}),
    };
    const target: Target = { pool: upstreamPool(entry.decl.name), kind: 'upstream', upstream: entry.decl.name, engine };
    if (this.targets.size >= TARGET_CACHE) this.targets.clear();
    this.targets.set(name, target);
    return target;
  }

  /** Every upstream's models as `<upstream>/<id>`; an upstream that cannot be listed contributes its last good list, or nothing. */
  async list(): Promise<ModelListing[]> {
    const lists = await Promise.all([...this.entries.values()].map(async (e) => {
      const models = await this.modelsOf(e);
      return models.map((m): ModelListing => ({
        id: `${e.decl.name}/${m.id}`, owner: e.decl.name,
        ...(m.createdS ? { modifiedAt: new Date(m.createdS * 1000).toISOString() } : {}),
        details: { ...(m.details ?? {}), upstream: e.decl.name, kind: e.decl.kind },
      }));
    }));
    return lists.flat();
  }

  private modelsOf(e: Entry): Promise<UpstreamModel[]> {
    const now = Date.now();
    if (e.list && now - e.list.at < (e.list.ok ? this.ttlMs : FAILED_LIST_TTL_MS)) return Promise.resolve(e.list.models);
    e.listing ??= e.adapter.listModels(AbortSignal.timeout(LIST_TIMEOUT_MS)).then(
      (models) => { e.list = { at: Date.now(), ok: true, models }; return models; },
      (err) => {
        const he = toHearthError(err);
        this.opts.logger?.warn({ upstream: e.decl.name, code: he.code, msg: he.message }, 'upstream model list failed');
        const models = e.list?.models ?? [];
        e.list = { at: Date.now(), ok: false, models };
        return models;
      },
    ).finally(() => { e.listing = undefined; });
    return e.listing;
  }

  /** Closes idle keep-alive connections. */
  close(): void { this.client.close(); }
}

/** Builds the registry for `decls` (sets each upstream pool's capacity on `admission`). */
export function createUpstreams(decls: readonly UpstreamDecl[], opts: UpstreamsOptions): UpstreamRegistry {
  return new UpstreamRegistry(decls, opts);
}
