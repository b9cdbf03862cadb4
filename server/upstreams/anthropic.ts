// Owns the `anthropic` upstream kind: canonical request → POST /v1/messages (x-api-key,
// anthropic-version 2023-06-01; streamed for streaming clients, non-streamed for the others), and its
// Messages SSE stream → canonical events, or its whole message → one answer.
import type { CanonicalMessage, CanonicalRequest, Completion, EngineEvent, FinishReason } from '../contract/canonical.js';
import { hearthError } from '../errors/catalog.js';
import { completionOf, endpoint, mapFinish, type AdapterDeps, type UpstreamAdapter, type UpstreamModel } from './adapter.js';
import { malformed, parseEventJson, sseEvents } from './stream-parse.js';

export const ANTHROPIC_VERSION = '2023-06-01';
/** max_tokens is required by the Messages API; used when the client gave none. */
export const ANTHROPIC_DEFAULT_MAX_TOKENS = 4096;

/** Messages API turns: system text apart, consecutive same-role turns merged, starting with a user turn. */
function toTurns(messages: CanonicalMessage[]): { system: string; turns: { role: 'user' | 'assistant'; content: string }[] } {
  const system = messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const turns: { role: 'user' | 'assistant'; content: string }[] = [];
  for (const m of messages) {
    if (m.role === 'system') continue;
    const last = turns[turns.length - 1];
    if (last && last.role === m.role) last.content += '\n\n' + m.content;
    else turns.push({ role: m.role, content: m.content });
  }
  if (turns[0]?.role !== 'user') turns.unshift({ role: 'user', content: '' });
  return { system, turns };
}

/** The upstream request body for `req` sent to the upstream's `model` (streamed unless `stream` is false). */
export function anthropicRequestBody(model: string, req: CanonicalRequest, stream = true): Record<string, unknown> {
  const s = req.sampling;
  const { system, turns } = req.kind === 'chat' ? toTurns(req.messages) : { system: '', turns: [{ role: 'user' as const, content: req.prompt }] };
  const body: Record<string, unknown> = { model, max_tokens: s.maxTokens ?? ANTHROPIC_DEFAULT_MAX_TOKENS, messages: turns, stream };
  if (system) body.system = system;
  if (s.temperature !== undefined) body.temperature = Math.min(1, s.temperature);
  if (s.topP !== undefined) body.top_p = s.topP;
  if (s.topK !== undefined && s.topK > 0) body.top_k = s.topK;
  if (s.stop?.length) body.stop_sequences = s.stop;
  return body;
}

export function anthropicHeaders(apiKey: string | undefined): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream, application/json', 'anthropic-version': ANTHROPIC_VERSION };
  if (apiKey) h['x-api-key'] = apiKey;
  return h;
}

const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined);

/** Canonical events from a Messages SSE stream (text chunks). Ends at `message_stop`; anything else is a broken stream. */
export async function* anthropicEvents(upstream: string, chunks: AsyncIterable<string>): AsyncGenerator<EngineEvent, void, undefined> {
  let finish: FinishReason = 'stop';
  let promptTokens = 0;
  let completionTokens: number | undefined;
  let deltas = 0;
  for await (const ev of sseEvents(upstream, chunks)) {
    if (ev.event === 'ping') continue;
    const d = parseEventJson(upstream, ev.data);
    const type = d.type ?? ev.event;
    if (type === 'message_start') {
      const u = (d.message as { usage?: Record<string, unknown> } | undefined)?.usage;
      promptTokens = (int(u?.input_tokens) ?? 0) + (int(u?.cache_read_input_tokens) ?? 0) + (int(u?.cache_creation_input_tokens) ?? 0);
      completionTokens = int(u?.output_tokens) ?? completionTokens;
    } else if (type === 'content_block_delta') {
      const delta = d.delta as { type?: unknown; text?: unknown } | undefined;
      if (delta?.type === 'text_delta' && typeof delta.text === 'string' && delta.text.length) { deltas++; yield { type: 'delta', text: delta.text }; }
    } else if (type === 'message_delta') {
      const reason = (d.delta as { stop_reason?: unknown } | undefined)?.stop_reason;
      if (reason != null) finish = mapFinish(reason);
      completionTokens = int((d.usage as Record<string, unknown> | undefined)?.output_tokens) ?? completionTokens;
    } else if (type === 'message_stop') {
      yield { type: 'done', finishReason: finish, usage: { promptTokens, completionTokens: completionTokens ?? deltas } };
      return;
    } else if (type === 'error') {
      throw hearthError('ERR_UPSTREAM', `The upstream ${upstream} reported an error mid-stream.`);
    }
  }
  throw hearthError('ERR_UPSTREAM', `The upstream ${upstream} ended the stream before it finished.`);
}

/** The answer in a whole (non-streamed) Messages response. */
export function anthropicCompletion(upstream: string, body: unknown): Completion {
  const m = body as { content?: unknown; stop_reason?: unknown; usage?: Record<string, unknown> } | null;
  if (!m || typeof m !== 'object' || !Array.isArray(m.content)) throw malformed(upstream);
  const text = (m.content as { type?: unknown; text?: unknown }[]).map((b) => (b.type === 'text' && typeof b.text === 'string' ? b.text : '')).join('');
  const u = m.usage;
  const promptTokens = (int(u?.input_tokens) ?? 0) + (int(u?.cache_read_input_tokens) ?? 0) + (int(u?.cache_creation_input_tokens) ?? 0);
  return { text, finishReason: mapFinish(m.stop_reason), usage: { promptTokens, completionTokens: int(u?.output_tokens) ?? (text ? 1 : 0) } };
}

export function createAnthropicAdapter({ decl, client }: AdapterDeps): UpstreamAdapter {
  const messagesUrl = endpoint(decl.url, '/v1/messages');
  const modelsUrl = endpoint(decl.url, '/v1/models');
  const headers = anthropicHeaders(decl.apiKey);
  const upstream = decl.name;
  return {
    async *generate(model, req, signal) {
      const res = await client.send({ upstream, url: messagesUrl, method: 'POST', headers, body: JSON.stringify(anthropicRequestBody(model, req)), signal });
      yield { type: 'start' };
      yield* anthropicEvents(upstream, res.text());
    },
    async complete(model, req, signal) {
      const res = await client.send({ upstream, url: messagesUrl, method: 'POST', headers, body: JSON.stringify(anthropicRequestBody(model, req, false)), signal });
      return completionOf(res, 'text/event-stream', (chunks) => anthropicEvents(upstream, chunks), (body) => anthropicCompletion(upstream, body));
    },
    embed() {
      return Promise.reject(hearthError('ERR_NOT_SUPPORTED', `The upstream ${upstream} (anthropic) has no embeddings.`));
    },
    async listModels(signal): Promise<UpstreamModel[]> {
      const url = new URL(modelsUrl);
      url.searchParams.set('limit', '1000');
      const res = await client.send({ upstream, url, method: 'GET', headers, signal });
      const body = (await res.json()) as { data?: { id?: unknown; created_at?: unknown; display_name?: unknown }[] };
      if (!Array.isArray(body.data)) throw malformed(upstream);
      return body.data.filter((m) => typeof m.id === 'string').map((m) => {
        const at = typeof m.created_at === 'string' ? Date.parse(m.created_at) : NaN;
        return { id: m.id as string, ...(Number.isNaN(at) ? {} : { createdS: Math.floor(at / 1000) }), ...(typeof m.display_name === 'string' ? { details: { display_name: m.display_name } } : {}) };
      });
    },
  };
}
