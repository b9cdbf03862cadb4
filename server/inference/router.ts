// Owns model-name resolution: a name is a local model (file stem) or `<upstream>/<model>`,
// and resolves to the engine that serves it and the scheduler pool it is admitted to.
import { hearthError } from '../errors/catalog.js';
import type { Engine, ModelListing } from './engine.js';
import { localPool, type LocalModels } from './local-models.js';

export interface Target {
  /** Scheduler pool: `local:<name>` or `upstream:<name>`. */
  pool: string;
  kind: 'local' | 'upstream';
  /** The upstream's name for upstream targets. */
  upstream?: string;
  engine: Engine;
  /** Makes the target able to serve (loads a local model on demand); absent when it always can. */
  prepare?(): Promise<void>;
}

/** What the router needs from the upstream registry (server/upstreams). */
export interface UpstreamLookup {
  resolve(name: string): Target | undefined;
  list(): Promise<ModelListing[]>;
}

export interface RouterDeps {
  local: LocalModels;
  /** Lists the local catalog (valid models only). */
  listLocal: () => Promise<ModelListing[]>;
  /** Validates that a local model exists and may be loaded; throws HearthError. */
  checkLocal: (name: string) => Promise<void>;
  upstreams?: UpstreamLookup;
}

export class ModelRouter {
  constructor(private readonly deps: RouterDeps) {}

  set upstreams(u: UpstreamLookup | undefined) { this.deps.upstreams = u; }

  async resolve(name: string): Promise<Target> {
    if (name.includes('/')) {
      const t = this.deps.upstreams?.resolve(name);
      if (t) return t;
      throw hearthError('ERR_MODEL_NOT_FOUND', `The model "${name}" does not exist.`);
    }
    await this.deps.checkLocal(name);
    const local = this.deps.local;
    return { pool: localPool(name), kind: 'local', engine: local, prepare: async () => { await local.ensureLoaded(name); } };
  }

  async list(): Promise<ModelListing[]> {
    const [local, up] = await Promise.all([this.deps.listLocal(), this.deps.upstreams?.list().catch(() => []) ?? []]);
    return [...local, ...up];
  }
}
