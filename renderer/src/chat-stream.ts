// Owns one streamed chat completion: POST /v1/chat/completions with stream + include_usage, the SSE
// stream read through fetch's ReadableStream, text deltas handed to the caller as they arrive, and
// the reply's figures (time to first token, tokens per second). Aborting the signal stops the fetch;
// the server cancels the generation when the connection closes.
import { call, type Session } from './api.js';
import { createSseParser } from './sse.js';
import { readText } from './ndjson.js';
import type { MessageStats } from './conversations.js';

export interface StreamChatInput {
  model: string;
  messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>;
  signal: AbortSignal;
  onText: (delta: string) => void;
  /** Injected for tests. */
  now?: () => number;
}

interface Chunk {
  choices?: Array<{ delta?: { content?: string | null } }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string };
}

export async function streamChat(s: Session, input: StreamChatInput): Promise<MessageStats> {
  const now = input.now ?? (() => performance.now());
  const t0 = now();
  let first: number | undefined;
  let chunks = 0;
  let usage: Chunk['usage'];
  let streamError: string | undefined;
  const res = await call(s, '/v1/chat/completions', {
    method: 'POST',
    signal: input.signal,
    body: JSON.stringify({ model: input.model, messages: input.messages, stream: true, stream_options: { include_usage: true } }),
  });
  if (!res.body) throw new Error('The server sent no stream.');
  const parser = createSseParser((e) => {
    if (e.data === '[DONE]') return;
    let c: Chunk;
    try { c = JSON.parse(e.data) as Chunk; } catch { return; }
    if (c.error) { streamError = c.error.message ?? 'The generation failed.'; return; }
    if (c.usage) usage = c.usage;
    const text = c.choices?.[0]?.delta?.content;
    if (text) {
      first ??= now();
      chunks++;
      input.onText(text);
    }
  });
  await readText(res.body, parser);
  const end = now();
  const completionTokens = usage?.completion_tokens ?? chunks;
  const genMs = first === undefined ? 0 : end - first;
  return {
    completionTokens,
    ...(usage?.prompt_tokens !== undefined ? { promptTokens: usage.prompt_tokens } : {}),
    ...(first !== undefined ? { ttftMs: Math.round(first - t0) } : {}),
    ...(genMs > 0 && completionTokens > 1 ? { tokensPerSecond: Math.round(((completionTokens - 1) / genMs) * 10_000) / 10 } : {}),
    ...(streamError ? { error: streamError } : {}),
  };
}
