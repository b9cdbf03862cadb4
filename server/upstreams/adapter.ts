// Owns what every upstream adapter (openai, anthropic, ollama) offers the registry, and the URL join
// shared by them. An adapter speaks one upstream API; it never sees a client's dialect.
import type { CanonicalRequest, Completion, EmbedRequest, EmbedResult, EngineEvent } from '../contract/canonical.js';
import type { UpstreamDecl } from '../config/options.js';
import type { UpstreamHttpClient, UpstreamResponse } from './http-client.js';

export interface UpstreamModel { id: string; createdS?: number; details?: Record<string, unknown> }

export interface UpstreamAdapter {
  /** Streams one request to the upstream `model`: `start`, `delta`s as they arrive, then exactly one `done`. */
  generate(model: string, req: CanonicalRequest, signal: AbortSignal): AsyncGenerator<EngineEvent, void, undefined>;
  /** Optional: one non-streamed request to the upstream `model`, its whole answer. */
  complete?(model: string, req: CanonicalRequest, signal: AbortSignal): Promise<Completion>;
  embed(model: string, req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult>;
  /** The upstream's own model ids (unprefixed). */
  listModels(signal: AbortSignal): Promise<UpstreamModel[]>;
}

export interface AdapterDeps { decl: UpstreamDecl; client: UpstreamHttpClient }

/**
 * Joins the declared base URL and an API path. A base that already ends with the path's first segment
 * (`https://api.openai.com/v1` + `/v1/models`, `http://host/api` + `/api/tags`) is not doubled.
 */
export function endpoint(base: string, apiPath: string): URL {
  const u = new URL(base);
  let p = u.pathname.replace(/\/+$/, '');
  const first = /^\/[^/]+/.exec(apiPath)?.[0] ?? '';
  if (first && p.endsWith(first)) p = p.slice(0, -first.length);
  u.pathname = p + apiPath;
  u.search = '';
  u.hash = '';
  return u;
}

/**
 * The whole answer of a non-streamed upstream request: `whole` reads its JSON body; when the upstream
 * streamed anyway (its content type contains `streamType`), `events` parses the stream and the
 * answer is joined from it.
 */
export async function completionOf(
  res: UpstreamResponse, streamType: string,
  events: (chunks: AsyncIterable<string>) => AsyncIterable<EngineEvent>, whole: (body: unknown) => Completion,
): Promise<Completion> {
  if (String(res.headers['content-type'] ?? '').includes(streamType)) return collectEvents(events(res.text()));
  return whole(await res.json());
}

/** Joins an event stream into one answer. */
async function collectEvents(events: AsyncIterable<EngineEvent>): Promise<Completion> {
  let text = '';
  let done: Extract<EngineEvent, { type: 'done' }> | undefined;
  for await (const e of events) { if (e.type === 'delta') text += e.text; else if (e.type === 'done') done = e; }
  if (!done) throw new Error('event stream ended without done');
  return { text, finishReason: done.finishReason, usage: done.usage, ...(done.stopSequence !== undefined ? { stopSequence: done.stopSequence } : {}) };
}

/** Finish reason text from any upstream mapped to the canonical one. */
export function mapFinish(r: unknown): 'stop' | 'length' {
  return r === 'length' || r === 'max_tokens' ? 'length' : 'stop';
}
