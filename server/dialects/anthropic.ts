// Owns the Anthropic Messages dialect: translates `POST /v1/messages` into the canonical request, and
// canonical events into the message response, its SSE events (message_start ... message_stop) and
// the model list in Anthropic's shape.
import { responseId } from './ids.js';
import type { HttpResponse } from '../http/node-http.js';
import type { CanonicalMessage, CanonicalRequest, EngineEvent, FinishReason, Sampling, Usage } from '../contract/canonical.js';
import { AnthropicModelsQuery, MessagesRequest, type AnthropicContent, type AnthropicModelInfo, type AnthropicModelList, type AnthropicUsage, type MessageResponse, type MessageStreamEvent, type StopReason } from '../contract/anthropic.js';
import type { ModelListing } from '../inference/engine.js';
import { errorBody } from '../errors/format.js';
import { hearthError, type HearthError } from '../errors/catalog.js';
import type { Collected, StreamSink } from '../inference/pipeline.js';
import { parseBody } from './validate.js';
import { sseWriter } from './stream-writer.js';

function textOf(content: AnthropicContent, where: string): string {
  if (typeof content === 'string') return content;
  return content.map((b) => {
    if (b.type === 'text' && typeof (b as { text?: unknown }).text === 'string') return (b as { text: string }).text;
    throw hearthError('ERR_NOT_SUPPORTED', `${where}: content blocks of type "${b.type}" are not supported; send text blocks.`);
  }).join('');
}

/** Validates a Messages request and translates it; throws ERR_VALIDATION / ERR_NOT_SUPPORTED (400). */
export function messagesToCanonical(body: unknown): { canonical: CanonicalRequest; stream: boolean } {
  const b = parseBody(MessagesRequest, body);
  const messages: CanonicalMessage[] = [];
  if (b.system !== undefined) {
    const system = textOf(b.system, 'system');
    if (system.length) messages.push({ role: 'system', content: system });
  }
  b.messages.forEach((m, i) => messages.push({ role: m.role, content: textOf(m.content, `messages.${i}.content`) }));
  const sampling: Sampling = { maxTokens: b.max_tokens };
  if (b.temperature !== undefined) sampling.temperature = b.temperature;
  if (b.top_p !== undefined) sampling.topP = b.top_p;
  if (b.top_k !== undefined) sampling.topK = b.top_k;
  if (b.stop_sequences?.length) sampling.stop = b.stop_sequences;
  return { canonical: { kind: 'chat', model: b.model, messages, sampling }, stream: b.stream === true };
}

/** Anthropic's stop_reason. `stopSequence` is the stop string that ended the answer, when the engine says. */
export function stopReasonOf(f: FinishReason, stopSequence?: string): StopReason {
  if (f === 'length') return 'max_tokens';
  return stopSequence ? 'stop_sequence' : 'end_turn';
}

export const newMessageId = () => responseId('msg', '_');

const usageOf = (u: Usage): AnthropicUsage => ({ input_tokens: u.promptTokens, output_tokens: u.completionTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0 });

export function messageResponse(model: string, r: Collected): MessageResponse {
  return {
    id: newMessageId(), type: 'message', role: 'assistant', model,
    content: [{ type: 'text', text: r.text }],
    stop_reason: stopReasonOf(r.finishReason, r.stopSequence), stop_sequence: r.stopSequence ?? null,
    usage: usageOf(r.usage),
  };
}

/**
 * The Anthropic SSE sink: message_start (once the prompt is evaluated, with input_tokens),
 * content_block_start + ping, one content_block_delta per text delta, then content_block_stop,
 * message_delta (stop_reason, usage) and message_stop. Heartbeats are SSE comments; a failure is
 * one `event: error` and the connection closes.
 */
export function anthropicSink(res: HttpResponse, o: { model: string; stallMs: number }): StreamSink {
  const w = sseWriter(res, o.stallMs);
  const id = newMessageId();
  const send = (e: MessageStreamEvent) => w.send(e, e.type);
  let started = false;
  const start = async (promptTokens: number) => {
    started = true;
    await send({
      type: 'message_start',
      message: { id, type: 'message', role: 'assistant', model: o.model, content: [], stop_reason: null, stop_sequence: null, usage: usageOf({ promptTokens, completionTokens: 0 }) },
    });
    await send({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
    await send({ type: 'ping' });
  };
  return {
    open: () => w.open(),
    heartbeat: () => w.heartbeat(),
    async write(e: EngineEvent) {
      if (e.type === 'start') { if (!started) await start(e.promptTokens ?? 0); return; }
      if (!started) await start(e.type === 'done' ? e.usage.promptTokens : 0);
      if (e.type === 'delta') {
        if (e.text) await send({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: e.text } });
        return;
      }
      await send({ type: 'content_block_stop', index: 0 });
      await send({
        type: 'message_delta',
        delta: { stop_reason: stopReasonOf(e.finishReason, e.stopSequence), stop_sequence: e.stopSequence ?? null },
        usage: { input_tokens: e.usage.promptTokens, output_tokens: e.usage.completionTokens },
      });
      await send({ type: 'message_stop' });
    },
    fail(err: HearthError) { void w.send(errorBody('anthropic', err), 'error').catch(() => undefined).finally(() => w.end()); },
    end: () => w.end(),
  };
}

/** One model in the Anthropic SDK's `models.list()` shape. */
export function anthropicModelInfo(m: ModelListing): AnthropicModelInfo {
  const name = typeof m.details?.displayName === 'string' && m.details.displayName ? m.details.displayName : m.id;
  const created = m.modifiedAt && !Number.isNaN(Date.parse(m.modifiedAt)) ? new Date(m.modifiedAt).toISOString() : new Date(0).toISOString();
  return { type: 'model', id: m.id, display_name: name, created_at: created };
}

/** A page of the model list, honouring `limit`, `after_id` and `before_id` like the Anthropic API. */
export function anthropicModelList(models: ModelListing[], query: unknown): AnthropicModelList {
  const q = AnthropicModelsQuery.safeParse(query ?? {});
  if (!q.success) throw hearthError('ERR_VALIDATION', `Invalid query: ${q.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const all = models.map(anthropicModelInfo);
  let from = 0; let to = all.length;
  if (q.data.after_id !== undefined) { const i = all.findIndex((m) => m.id === q.data.after_id); from = i < 0 ? all.length : i + 1; }
  if (q.data.before_id !== undefined) { const i = all.findIndex((m) => m.id === q.data.before_id); to = i < 0 ? 0 : i; }
  let page: AnthropicModelInfo[];
  let hasMore: boolean;
  if (q.data.before_id !== undefined && q.data.after_id === undefined) {
    // Paging backwards: the `limit` items just before `before_id`.
    const start = Math.max(from, to - q.data.limit);
    page = all.slice(start, to); hasMore = start > from;
  } else {
    page = all.slice(from, Math.min(to, from + q.data.limit)); hasMore = from + q.data.limit < to;
  }
  return { data: page, has_more: hasMore, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null };
}
