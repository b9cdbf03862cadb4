// Owns the `openai` upstream kind (OpenAI, vLLM, llama.cpp server, LM Studio, another Hearth):
// canonical request → /v1/chat/completions or /v1/completions (streamed with usage for streaming
// clients, non-streamed for the others), and its SSE stream or JSON answer (either may come back
// whichever was asked) → canonical events or one answer.
import type { CanonicalRequest, Completion, EmbedRequest, EmbedResult, EngineEvent, FinishReason } from '../contract/canonical.js';
import { hearthError } from '../errors/catalog.js';
import { completionOf, endpoint, mapFinish, type AdapterDeps, type UpstreamAdapter, type UpstreamModel } from './adapter.js';
import { malformed, parseEventJson, sseEvents } from './stream-parse.js';

/** The upstream request body for `req` sent to the upstream's `model` (streamed with usage unless `stream` is false). */
export function openaiRequestBody(model: string, req: CanonicalRequest, stream = true): Record<string, unknown> {
  const s = req.sampling;
  const body: Record<string, unknown> = { model };
  if (req.kind === 'chat') body.messages = req.messages.map((m) => ({ role: m.role, content: m.content }));
  else body.prompt = req.prompt;
  body.stream = stream;
  if (stream) body.stream_options = { include_usage: true };
  if (s.maxTokens !== undefined) body.max_tokens = s.maxTokens;
  if (s.temperature !== undefined) body.temperature = s.temperature;
  if (s.topP !== undefined) body.top_p = s.topP;
  if (s.stop?.length) body.stop = s.stop;
  if (s.seed !== undefined) body.seed = s.seed;
  if (s.presencePenalty !== undefined) body.presence_penalty = s.presencePenalty;
  if (s.frequencyPenalty !== undefined) body.frequency_penalty = s.frequencyPenalty;
  // Common extensions (vLLM, llama.cpp, LM Studio, Hearth); sent only when the client set them.
  if (s.topK !== undefined) body.top_k = s.topK;
  if (s.minP !== undefined) body.min_p = s.minP;
  if (s.repeatPenalty !== undefined) body.repeat_penalty = s.repeatPenalty;
  return body;
}

export function openaiHeaders(apiKey: string | undefined): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream, application/json' };
  if (apiKey) h.authorization = `Bearer ${apiKey}`;
  return h;
}

interface Choice { delta?: { content?: unknown }; text?: unknown; message?: { content?: unknown }; finish_reason?: unknown }
interface Chunk { choices?: Choice[]; usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null; error?: unknown }

const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined);

/**
 * Canonical events from an OpenAI SSE stream (text chunks). Ends after `[DONE]`, or at the end of the
 * body once a finish reason and usage were both seen; anything else is a broken stream (HearthError).
 */
export async function* openaiEvents(upstream: string, kind: CanonicalRequest['kind'], chunks: AsyncIterable<string>): AsyncGenerator<EngineEvent, void, undefined> {
  let finish: FinishReason | undefined;
  let promptTokens: number | undefined;
  let completionTokens: number | undefined;
  let deltas = 0;
  let terminal = false;
  for await (const ev of sseEvents(upstream, chunks)) {
    if (ev.data === '[DONE]') { terminal = true; break; }
    const c = parseEventJson(upstream, ev.data) as Chunk;
    if (c.error !== undefined) throw hearthError('ERR_UPSTREAM', `The upstream ${upstream} reported an error mid-stream.`);
    const choice = Array.isArray(c.choices) ? c.choices[0] : undefined;
    if (choice) {
      const t = kind === 'chat' ? choice.delta?.content : choice.text;
      if (typeof t === 'string' && t.length) { deltas++; yield { type: 'delta', text: t }; }
      if (choice.finish_reason != null) finish = mapFinish(choice.finish_reason);
    }
    if (c.usage) { promptTokens = int(c.usage.prompt_tokens) ?? promptTokens; completionTokens = int(c.usage.completion_tokens) ?? completionTokens; }
  }
  if (!terminal && !(finish && completionTokens !== undefined)) throw hearthError('ERR_UPSTREAM', `The upstream ${upstream} ended the stream before it finished.`);
  yield { type: 'done', finishReason: finish ?? 'stop', usage: { promptTokens: promptTokens ?? 0, completionTokens: completionTokens ?? deltas } };
}

/** The answer in a whole (non-streamed) chat.completion or text_completion object. */
export function openaiCompletion(upstream: string, kind: CanonicalRequest['kind'], body: unknown): Completion {
  if (!body || typeof body !== 'object') throw malformed(upstream);
  const c = body as Chunk;
  const choice = Array.isArray(c.choices) ? c.choices[0] : undefined;
  if (!choice) throw malformed(upstream);
  const t = kind === 'chat' ? choice.message?.content : choice.text;
  const text = typeof t === 'string' ? t : '';
  return {
    text, finishReason: mapFinish(choice.finish_reason),
    usage: { promptTokens: int(c.usage?.prompt_tokens) ?? 0, completionTokens: int(c.usage?.completion_tokens) ?? (text ? 1 : 0) },
  };
}

/** Canonical events from a whole (non-streamed) chat.completion or text_completion object. */
export function* openaiJsonEvents(upstream: string, kind: CanonicalRequest['kind'], body: unknown): Generator<EngineEvent, void, undefined> {
  const { text, finishReason, usage } = openaiCompletion(upstream, kind, body);
  if (text) yield { type: 'delta', text };
  yield { type: 'done', finishReason, usage };
}

export function createOpenAIAdapter({ decl, client }: AdapterDeps): UpstreamAdapter {
  const chatUrl = endpoint(decl.url, '/v1/chat/completions');
  const completionsUrl = endpoint(decl.url, '/v1/completions');
  const embeddingsUrl = endpoint(decl.url, '/v1/embeddings');
  const modelsUrl = endpoint(decl.url, '/v1/models');
  const headers = openaiHeaders(decl.apiKey);
  const upstream = decl.name;
  return {
    async *generate(model, req, signal) {
      const res = await client.send({ upstream, url: req.kind === 'chat' ? chatUrl : completionsUrl, method: 'POST', headers, body: JSON.stringify(openaiRequestBody(model, req)), signal });
      yield { type: 'start' };
      if (String(res.headers['content-type'] ?? '').includes('application/json')) {
        yield* openaiJsonEvents(upstream, req.kind, await res.json());
        return;
      }
      yield* openaiEvents(upstream, req.kind, res.text());
    },
    async complete(model, req, signal) {
      const res = await client.send({ upstream, url: req.kind === 'chat' ? chatUrl : completionsUrl, method: 'POST', headers, body: JSON.stringify(openaiRequestBody(model, req, false)), signal });
      return completionOf(res, 'text/event-stream', (chunks) => openaiEvents(upstream, req.kind, chunks), (body) => openaiCompletion(upstream, req.kind, body));
    },
    async embed(model: string, req: EmbedRequest, signal: AbortSignal): Promise<EmbedResult> {
      const res = await client.send({ upstream, url: embeddingsUrl, method: 'POST', headers, body: JSON.stringify({ model, input: req.input, encoding_format: 'float' }), signal });
      const body = (await res.json()) as { data?: { embedding?: unknown; index?: number }[]; usage?: { prompt_tokens?: unknown } };
      if (!Array.isArray(body.data)) throw malformed(upstream);
      const rows = [...body.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      const embeddings = rows.map((r) => { if (!Array.isArray(r.embedding)) throw malformed(upstream); return r.embedding as number[]; });
      return { embeddings, promptTokens: int(body.usage?.prompt_tokens) ?? 0 };
    },
    async listModels(signal): Promise<UpstreamModel[]> {
      const res = await client.send({ upstream, url: modelsUrl, method: 'GET', headers, signal });
      const body = (await res.json()) as { data?: { id?: unknown; created?: unknown }[] };
      if (!Array.isArray(body.data)) throw malformed(upstream);
      return body.data.filter((m) => typeof m.id === 'string').map((m) => ({ id: m.id as string, ...(int(m.created) ? { createdS: int(m.created) } : {}) }));
    },
  };
}
