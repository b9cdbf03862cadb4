// Owns the HTTP side of the benchmarks: starts a real `hearth serve` on 127.0.0.1 with the bench
// model and streams OpenAI chat completions from it (fetch + SSE parsing), timing each stream.
import path from 'node:path';
import { startHearth, waitReady, type Hearth } from '../../test/support/server.js';
import type { ChatMessage } from './raw-engine.js';
import type { StreamTiming } from './stats.js';

export interface BenchServer {
  hearth: Hearth;
  model: string;
  /** Server pid and engine worker pid (for memory readings). */
  pids(): Promise<{ server: number; worker?: number }>;
  close(): Promise<void>;
}

/** Starts `hearth serve --model <modelPath> --threads N ...extra` and waits until it is ready. */
export async function startBenchServer(modelPath: string, threads: number, extraArgs: string[]): Promise<BenchServer> {
  const hearth = await startHearth({
    model: false,
    args: ['--model', modelPath, '--threads', String(threads), ...extraArgs],
    env: { HEARTH_LOG_LEVEL: 'error' },
  });
  await waitReady(hearth.url);
  const model = path.basename(modelPath).replace(/\.gguf$/, '');
  return {
    hearth, model,
    async pids() {
      const server = hearth.proc.pid!;
      const { readFileSync, readdirSync } = await import('node:fs');
      let worker: number | undefined;
      try {
        // The worker is the server's child node process.
        for (const d of readdirSync('/proc')) {
          if (!/^\d+$/.test(d)) continue;
          try {
            const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
            const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
            if (ppid === server) { worker = Number(d); break; }
          } catch { /* process gone */ }
        }
      } catch { /* not Linux */ }
      return { server, ...(worker !== undefined ? { worker } : {}) };
    },
    async close() { await hearth[Symbol.asyncDispose](); },
  };
}

export interface StreamResult extends StreamTiming {
  status: number;
  promptTokens: number;
}

/**
 * One streamed chat completion (temperature 0). Tokens come from `usage` (include_usage); the
 * first token time is the first chunk with content. Non-200 answers return at once with their status.
 */
export async function streamChat(url: string, token: string, model: string, messages: ChatMessage[], maxTokens: number, signal?: AbortSignal): Promise<StreamResult> {
  const start = performance.now();
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ model, messages, stream: true, temperature: 0, max_tokens: maxTokens, stream_options: { include_usage: true } }),
    ...(signal ? { signal } : {}),
  });
  if (res.status !== 200 || !res.body) {
    await res.body?.cancel().catch(() => undefined);
    const now = performance.now();
    return { status: res.status, start, firstToken: now, lastToken: now, end: now, tokens: 0, promptTokens: 0 };
  }
  let first: number | undefined;
  let last = start;
  let tokens = 0;
  let promptTokens = 0;
  let buf = '';
  const decoder = new TextDecoder();
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (!line.startsWith('data:')) continue;
      const data = line.slice(5).trim();
      if (data === '[DONE]') continue;
      const ev = JSON.parse(data) as { choices?: Array<{ delta?: { content?: string } }>; usage?: { prompt_tokens: number; completion_tokens: number } | null };
      if (ev.choices?.[0]?.delta?.content) { const now = performance.now(); first ??= now; last = now; }
      if (ev.usage) { tokens = ev.usage.completion_tokens; promptTokens = ev.usage.prompt_tokens; }
    }
  }
  const end = performance.now();
  return { status: 200, start, firstToken: first ?? end, lastToken: last, end, tokens, promptTokens };
}
