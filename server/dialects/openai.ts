// Owns the OpenAI dialect: translates chat/completions/embeddings requests into the canonical
// request, and canonical events into OpenAI responses and SSE chunks.
import type { HttpResponse } from '../http/node-http.js';
import type { CanonicalMessage, CanonicalRequest, EngineEvent, FinishReason, Sampling, Usage } from '../contract/canonical.js';
import { ChatCompletionRequest, CompletionRequest, EmbeddingsRequest } from '../contract/openai.js';
import { errorBody } from '../errors/format.js';
import { hearthError, type HearthError } from '../errors/catalog.js';
import type { Collected, StreamSink } from '../inference/pipeline.js';
import { parseBody } from './validate.js';
import { responseId } from './ids.js';
import { sseWriter } from './stream-writer.js';

type Body = ChatCompletionRequest | CompletionRequest;

function sampling(b: Body, maxTokens?: number | null): Sampling {
  const s: Sampling = {};
  const mt = maxTokens ?? b.max_tokens;
  if (mt != null) s.maxTokens = mt;
  if (b.temperature != null) s.temperature = b.temperature;
  if (b.top_p != null) s.topP = b.top_p;
  if (b.top_k != null) s.topK = b.top_k;
  if (b.min_p != null) s.minP = b.min_p;
  if (b.seed != null) s.seed = b.seed;
  if (b.stop != null) s.stop = typeof b.stop === 'string' ? [b.stop] : b.stop;
  if (b.presence_penalty != null) s.presencePenalty = b.presence_penalty;
  if (b.frequency_penalty != null) s.frequencyPenalty = b.frequency_penalty;
  if (b.repeat_penalty != null) s.repeatPenalty = b.repeat_penalty;
  return s;
}

function textOf(content: ChatCompletionRequest['messages'][number]['content']): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => {
    if (p.type === 'text' && typeof (p as { text?: unknown }).text === 'string') return (p as { text: string }).text;
    throw hearthError('ERR_NOT_SUPPORTED', `Content parts of type "${p.type}" are not supported; send text.`);
  }).join('');
}

export function chatToCanonical(body: unknown): { canonical: CanonicalRequest; stream: boolean; includeUsage: boolean } {
  const b = parseBody(ChatCompletionRequest, body);
  const messages: CanonicalMessage[] = b.messages.map((m) => {
    if (m.role === 'tool' || m.role === 'function') throw hearthError('ERR_NOT_SUPPORTED', 'Tool messages are not supported.');
    return { role: m.role === 'developer' ? 'system' : m.role, content: textOf(m.content) };
  });
  return {
    canonical: { kind: 'chat', model: b.model, messages, sampling: sampling(b, b.max_completion_tokens) },
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
  };
}

export function completionToCanonical(body: unknown): { canonical: CanonicalRequest; stream: boolean; includeUsage: boolean } {
  const b = parseBody(CompletionRequest, body);
  const prompt = typeof b.prompt === 'string' ? b.prompt : b.prompt[0]!;
  return {
    canonical: { kind: 'completion', model: b.model, prompt, sampling: sampling(b) },
    stream: b.stream === true,
    includeUsage: b.stream_options?.include_usage === true,
  };
}

export function embeddingsInput(body: unknown): { model: string; input: string[]; base64: boolean } {
  const b = parseBody(EmbeddingsRequest, body);
  return { model: b.model, input: typeof b.input === 'string' ? [b.input] : b.input, base64: b.encoding_format === 'base64' };
}

const finish = (f: FinishReason): 'stop' | 'length' => (f === 'length' ? 'length' : 'stop');
const usageOf = (u: Usage) => ({ prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.promptTokens + u.completionTokens });
export const newId = (prefix: string) => responseId(prefix);

/** The OpenAI SSE sink for chat (`chat.completion.chunk`) or completions (`text_completion`). */
export function openaiSink(res: HttpResponse, o: { kind: 'chat' | 'completion'; model: string; includeUsage: boolean; stallMs: number }): StreamSink {
  const w = sseWriter(res, o.stallMs);
  const id = newId(o.kind === 'chat' ? 'chatcmpl' : 'cmpl');
  const created = Math.floor(Date.now() / 1000);
  const object = o.kind === 'chat' ? 'chat.completion.chunk' : 'text_completion';
  const chunk = (choice: Record<string, unknown> | null, usage?: ReturnType<typeof usageOf>) => ({
    id, object, created, model: o.model, system_fingerprint: 'hearth',
    choices: choice ? [{ index: 0, logprobs: null, ...choice }] : [],
    ...(o.includeUsage ? { usage: usage ?? null } : {}),
  });
  let roleSent = false;
  return {
    open: () => w.open(),
    heartbeat: () => w.heartbeat(),
    async write(e: EngineEvent) {
      if (e.type === 'start') return;
      if (o.kind === 'chat' && !roleSent) { roleSent = true; await w.send(chunk({ delta: { role: 'assistant', content: '' }, finish_reason: null })); }
      if (e.type === 'delta') {
        await w.send(chunk(o.kind === 'chat' ? { delta: { content: e.text }, finish_reason: null } : { text: e.text, finish_reason: null }));
      } else {
        await w.send(chunk(o.kind === 'chat' ? { delta: {}, finish_reason: finish(e.finishReason) } : { text: '', finish_reason: finish(e.finishReason) }));
        if (o.includeUsage) await w.send(chunk(null, usageOf(e.usage)));
        await w.raw('data: [DONE]\n\n');
      }
    },
    fail(err: HearthError) { void w.send(errorBody('openai', err)).catch(() => undefined).finally(() => w.end()); },
    end: () => w.end(),
  };
}

export function chatResponse(model: string, r: Collected) {
  return {
    id: newId('chatcmpl'), object: 'chat.completion', created: Math.floor(Date.now() / 1000), model, system_fingerprint: 'hearth',
    choices: [{ index: 0, message: { role: 'assistant', content: r.text, refusal: null }, logprobs: null, finish_reason: finish(r.finishReason) }],
    usage: usageOf(r.usage),
  };
}

export function completionResponse(model: string, r: Collected) {
  return {
    id: newId('cmpl'), object: 'text_completion', created: Math.floor(Date.now() / 1000), model, system_fingerprint: 'hearth',
    choices: [{ index: 0, text: r.text, logprobs: null, finish_reason: finish(r.finishReason) }],
    usage: usageOf(r.usage),
  };
}

export function embeddingsResponse(model: string, embeddings: number[][], promptTokens: number, base64: boolean) {
  return {
    object: 'list', model,
    data: embeddings.map((v, index) => ({
      object: 'embedding', index,
      embedding: base64 ? Buffer.from(new Float32Array(v).buffer).toString('base64') : v,
    })),
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
