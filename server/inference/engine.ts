// Owns the engine interface: what every model backend (the local node-llama-cpp worker, each
// upstream) offers the server. Backends never see a dialect; they take canonical requests.
import type { CanonicalRequest, Completion, EmbedRequest, EmbedResult, EngineEvent } from '../contract/canonical.js';

export interface Engine {
  /** Runs one request; yields `start`, then `delta`s, then exactly one `done`. Throws HearthError on failure. */
  generate(req: CanonicalRequest, signal: AbortSignal): AsyncIterable<EngineEvent>;
  /**
   * Optional: the whole answer at once, for a caller that does not stream (an upstream is then asked
   * non-streamed too: one JSON body instead of an event stream). Without it the pipeline collects `generate`.
   */
  complete?(req: CanonicalRequest, signal: AbortSignal): Promise<Completion>;
  /** Embeds inputs. Throws HearthError (ERR_NOT_SUPPORTED where the backend cannot). */
  embed(req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult>;
}

/** A model as listed to clients. */
export interface ModelListing {
  /** Client-facing name: file stem (local) or `<upstream>/<model>`. */
  id: string;
  owner: 'local' | string;
  /** Bytes on disk (local only). */
  size?: number;
  loaded?: boolean;
  modifiedAt?: string;
  details?: Record<string, unknown>;
}
