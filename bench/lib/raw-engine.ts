// Owns the "raw" side of the engine benchmarks: node-llama-cpp in-process (no HTTP, no worker),
// one context with N sequences, chat through LlamaChat.generateResponse exactly as the worker does.
// Benchmarks only; server/ never imports this.
import {
  getLlama, LlamaChat, LlamaLogLevel, resolveChatWrapper,
  type ChatHistoryItem, type ChatWrapper, type Llama, type LlamaContext, type LlamaContextSequence, type LlamaModel, type Token,
} from 'node-llama-cpp';
import { createBatchGate, takeLowestSequence, type BatchGate } from '../../server/engine/batch-sync.js';
import type { StreamTiming } from './stats.js';

/** Context settings under test; anything left out is node-llama-cpp's default. */
export interface RawSettings {
  threads: number;
  sequences: number;
  /** Context tokens per sequence. */
  contextSize: number;
  batchSize?: number;
  flashAttention?: boolean;
  /** "nextCycle" is node-llama-cpp's default; "hearth" is the worker's batching (server/engine/batch-sync.ts). */
  dispatch?: 'nextCycle' | 'hearth';
}

export interface ChatMessage { role: 'system' | 'user' | 'assistant'; content: string }

export interface RawEngine {
  llama: Llama;
  model: LlamaModel;
  context: LlamaContext;
  /** Tokens the chat template makes of these messages (the prompt the model evaluates). */
  promptTokens(messages: ChatMessage[]): number;
  /** One streamed chat on its own sequence; times are `performance.now()` milliseconds. */
  chat(messages: ChatMessage[], maxTokens: number): Promise<StreamTiming>;
  close(): Promise<void>;
}

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const h: ChatHistoryItem[] = messages.map((m) =>
    m.role === 'system' ? { type: 'system', text: m.content } : m.role === 'user' ? { type: 'user', text: m.content } : { type: 'model', response: [m.content] });
  h.push({ type: 'model', response: [] });
  return h;
}

/** The in-process llama for raw engines (CPU, as the bench compares CPU runs). */
export function rawLlama(threads: number): Promise<Llama> {
  return getLlama({ gpu: false, maxThreads: threads, logLevel: LlamaLogLevel.error });
}

/** Loads the model into its own context; `close` leaves `llama` to the caller. */
export async function openRaw(modelPath: string, s: RawSettings, llama?: Llama): Promise<RawEngine> {
  const ownLlama = !llama;
  llama ??= await rawLlama(s.threads);
  const model = await llama.loadModel({ modelPath, gpuLayers: 0 });
  const gate: BatchGate | undefined = s.dispatch === 'hearth' ? createBatchGate() : undefined;
  const batching = gate?.batching;
  const context = await model.createContext({
    contextSize: s.contextSize, sequences: s.sequences, threads: s.threads,
    ...(s.batchSize !== undefined ? { batchSize: s.batchSize } : {}),
    ...(s.flashAttention !== undefined ? { flashAttention: s.flashAttention } : {}),
    ...(batching ? { batching } : {}),
  });
  if (gate && !gate.attach(context)) throw new Error('batch-sync could not attach to this node-llama-cpp version');
  // Sequences are reused (history cleared), as in the worker: disposing one frees it only later.
  const free: LlamaContextSequence[] = [];
  const chatWrapper: ChatWrapper = resolveChatWrapper(model) ?? resolveChatWrapper({ type: 'chatML' } as never)!;
  return {
    llama: llama as Llama, model, context,
    promptTokens(messages) {
      return chatWrapper.generateContextState({ chatHistory: toHistory(messages) }).contextText.tokenize(model.tokenizer).length;
    },
    async chat(messages, maxTokens) {
      const seq = (gate ? takeLowestSequence(free) : free.pop()) ?? context.getSequence();
      gate?.enter();
      const chat = new LlamaChat({ contextSequence: seq, chatWrapper });
      const t0 = performance.now();
      let first: number | undefined;
      let last = t0;
      let tokens = 0;
      try {
        await chat.generateResponse(toHistory(messages), {
          maxTokens, temperature: 0,
          onToken: (t: Token[]) => { const now = performance.now(); first ??= now; last = now; tokens += t.length; },
        });
      } finally {
        gate?.leave();
        chat.dispose({ disposeSequence: false });
        await seq.clearHistory();
        free.push(seq);
      }
      return { start: t0, firstToken: first ?? last, end: performance.now(), lastToken: last, tokens };
    },
    async close() { await context.dispose(); await model.dispose(); if (ownLlama) await llama.dispose(); },
  };
}
