// Owns the `ollama` upstream kind: canonical request → POST /api/chat or /api/generate (an NDJSON
// stream for streaming clients, one JSON answer for the others), and its NDJSON lines → canonical
// events or its answer → one completion; /api/tags for the model list, /api/embed.
import type { CanonicalRequest, Completion, EmbedRequest, EmbedResult, EngineEvent } from '../contract/canonical.js';
import { hearthError } from '../errors/catalog.js';
import { completionOf, endpoint, mapFinish, type AdapterDeps, type UpstreamAdapter, type UpstreamModel } from './adapter.js';
import { malformed, ndjsonObjects } from './stream-parse.js';

/** The upstream request body for `req` sent to the upstream's `model` (streamed unless `stream` is false). */
export function ollamaRequestBody(model: string, req: CanonicalRequest, stream = true): Record<string, unknown> {
  const s = req.sampling;
  const options: Record<string, unknown> = {};
  if (s.maxTokens !== undefined) options.num_predict = s.maxTokens;
  if (s.temperature !== undefined) options.temperature = s.temperature;
  if (s.topP !== undefined) options.top_p = s.topP;
  if (s.topK !== undefined) options.top_k = s.topK;
  if (s.minP !== undefined) options.min_p = s.minP;
  if (s.seed !== undefined) options.seed = s.seed;
  if (s.stop?.length) options.stop = s.stop;
  if (s.repeatPenalty !== undefined) options.repeat_penalty = s.repeatPenalty;
  if (s.presencePenalty !== undefined) options.presence_penalty = s.presencePenalty;
  if (s.frequencyPenalty !== undefined) options.frequency_penalty = s.frequencyPenalty;
  const body: Record<string, unknown> = { model };
  if (req.kind === 'chat') body.messages = req.messages.map((m) => ({ role: m.role, content: m.content }));
  else { body.prompt = req.prompt; body.raw = true; }
  body.stream = stream;
  if (Object.keys(options).length) body.options = options;
  if (req.keepAliveMs !== undefined) body.keep_alive = req.keepAliveMs < 0 ? -1 : `${Math.round(req.keepAliveMs)}ms`;
  return body;
}

export function ollamaHeaders(apiKey: string | undefined): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'application/x-ndjson, application/json' };
  if (apiKey) h.authorization = `Bearer ${apiKey}`;
  return h;
}

const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined);

/** Canonical events from an Ollama NDJSON stream (text chunks). Ends at the `done: true` line; anything else is a broken stream. */
export async function* ollamaEvents(upstream: string, kind: CanonicalRequest['kind'], chunks: AsyncIterable<string>): AsyncGenerator<EngineEvent, void, undefined> {
  let deltas = 0;
  for await (const o of ndjsonObjects(upstream, chunks)) {
    if (o.error !== undefined) throw hearthError('ERR_UPSTREAM', `The upstream ${upstream} reported an error mid-stream.`);
    const t = kind === 'chat' ? (o.message as { content?: unknown } | undefined)?.content : o.response;
    if (typeof t === 'string' && t.length) { deltas++; yield { type: 'delta', text: t }; }
    if (o.done === true) {
      yield { type: 'done', finishReason: mapFinish(o.done_reason), usage: { promptTokens: int(o.prompt_eval_count) ?? 0, completionTokens: int(o.eval_count) ?? deltas } };
      return;
    }
  }
  throw hearthError('ERR_UPSTREAM', `The upstream ${upstream} ended the stream before it finished.`);
}

/** The answer in a whole (non-streamed) /api/chat or /api/generate response. */
export function ollamaCompletion(upstream: string, kind: CanonicalRequest['kind'], body: unknown): Completion {
  const o = body as Record<string, unknown> | null;
  if (!o || typeof o !== 'object' || o.error !== undefined) throw malformed(upstream);
  const t = kind === 'chat' ? (o.message as { content?: unknown } | undefined)?.content : o.response;
  if (typeof t !== 'string') throw malformed(upstream);
  return { text: t, finishReason: mapFinish(o.done_reason), usage: { promptTokens: int(o.prompt_eval_count) ?? 0, completionTokens: int(o.eval_count) ?? (t ? 1 : 0) } };
}

export function createOllamaAdapter({ decl, client }: AdapterDeps): UpstreamAdapter {
  const chatUrl = endpoint(decl.url, '/api/chat');
  const generateUrl = endpoint(decl.url, '/api/generate');
  const embedUrl = endpoint(decl.url, '/api/embed');
  const tagsUrl = endpoint(decl.url, '/api/tags');
  const headers = ollamaHeaders(decl.apiKey);
  const upstream = decl.name;
  return {
    async *generate(model, req, signal) {
      const res = await client.send({ upstream, url: req.kind === 'chat' ? chatUrl : generateUrl, method: 'POST', headers, body: JSON.stringify(ollamaRequestBody(model, req)), signal });
      yield { type: 'start' };
      yield* ollamaEvents(upstream, req.kind, res.text());
    },
    async complete(model, req, signal) {
      const res = await client.send({ upstream, url: req.kind === 'chat' ? chatUrl : generateUrl, method: 'POST', headers, body: JSON.stringify(ollamaRequestBody(model, req, false)), signal });
      return completionOf(res, 'ndjson', (chunks) => ollamaEvents(upstream, req.kind, chunks), (body) => ollamaCompletion(upstream, req.kind, body));
    },
    async embed(model: string, req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult> {
      const res = await client.send({ upstream, url: embedUrl, method: 'POST', headers, body: JSON.stringify({ model, input: req.input }), signal });
      const body = (await res.json()) as { embeddings?: unknown; prompt_eval_count?: unknown };
      if (!Array.isArray(body.embeddings) || !body.embeddings.every(Array.isArray)) throw malformed(upstream);
      return { embeddings: body.embeddings as number[][], promptTokens: int(body.prompt_eval_count) ?? 0 };
    },
    async listModels(signal): Promise<UpstreamModel[]> {
      const res = await client.send({ upstream, url: tagsUrl, method: 'GET', headers, signal });
      const body = (await res.json()) as { models?: { name?: unknown; model?: unknown; modified_at?: unknown; size?: unknown; details?: unknown }[] };
      if (!Array.isArray(body.models)) throw malformed(upstream);
      return body.models.filter((m) => typeof (m.name ?? m.model) === 'string').map((m) => {
        const at = typeof m.modified_at === 'string' ? Date.parse(m.modified_at) : NaN;
        return {
          id: (m.name ?? m.model) as string,
          ...(Number.isNaN(at) ? {} : { createdS: Math.floor(at / 1000) }),
          ...(m.details && typeof m.details === 'object' ? { details: m.details as Record<string, unknown> } : {}),
        };
      });
    },
  };
}
