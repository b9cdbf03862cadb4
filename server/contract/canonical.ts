// Owns the one canonical inference request and event stream. Every dialect (OpenAI, Anthropic,
// Ollama) is translated into these at the edge; engines and upstream adapters never see a dialect.
import { z } from 'zod';

export const ChatRole = z.enum(['system', 'user', 'assistant']);
export const CanonicalMessage = z.object({ role: ChatRole, content: z.string() });
export type CanonicalMessage = z.infer<typeof CanonicalMessage>;

/** Sampling options, already validated and normalised by the dialect adapter. */
export const Sampling = z.object({
  /** Tokens to generate at most. Defaults to what is left of the context. */
  maxTokens: z.number().int().min(1).max(1_000_000).optional(),
  /** 0 ..= 2. Defaults to the engine's default (0.8). */
  temperature: z.number().min(0).max(2).optional(),
  /** 0 < topP <= 1. */
  topP: z.number().gt(0).max(1).optional(),
  /** 0 ..= 1000 (0 disables). */
  topK: z.number().int().min(0).max(1000).optional(),
  /** 0 ..= 1. */
  minP: z.number().min(0).max(1).optional(),
  /** Non-negative integer seed. */
  seed: z.number().int().min(0).max(2 ** 32 - 1).optional(),
  /** Up to 16 stop strings, each 1..512 characters. */
  stop: z.array(z.string().min(1).max(512)).max(16).optional(),
  /** -2 ..= 2. */
  presencePenalty: z.number().min(-2).max(2).optional(),
  /** -2 ..= 2. */
  frequencyPenalty: z.number().min(-2).max(2).optional(),
  /** 0 ..= 2 (1 disables). */
  repeatPenalty: z.number().min(0).max(2).optional(),
});
export type Sampling = z.infer<typeof Sampling>;

export const CanonicalRequest = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('chat'),
    model: z.string().min(1).max(512),
    messages: z.array(CanonicalMessage).min(1),
    sampling: Sampling,
    /** Ollama `keep_alive` in ms (negative: forever, 0: unload after). */
    keepAliveMs: z.number().optional(),
  }),
  z.object({
    kind: z.literal('completion'),
    model: z.string().min(1).max(512),
    prompt: z.string(),
    sampling: Sampling,
    keepAliveMs: z.number().optional(),
  }),
]);
export type CanonicalRequest = z.infer<typeof CanonicalRequest>;

export const Usage = z.object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) });
export type Usage = z.infer<typeof Usage>;

export const FinishReason = z.enum(['stop', 'length', 'abort', 'error']);
export type FinishReason = z.infer<typeof FinishReason>;

/** The one event stream every engine emits. */
export const EngineEvent = z.discriminatedUnion('type', [
  /** The prompt has been evaluated (or the upstream answered): first token is coming. */
  z.object({ type: z.literal('start'), promptTokens: z.number().int().min(0).optional() }),
  z.object({ type: z.literal('delta'), text: z.string() }),
  /** `stopSequence`: which of the request's stop strings ended generation, if one did. */
  z.object({ type: z.literal('done'), finishReason: FinishReason, usage: Usage, stopSequence: z.string().optional() }),
]);
export type EngineEvent = z.infer<typeof EngineEvent>;

/** A whole answer, for requests that do not stream: the `delta`s joined, with the `done` event's fields. */
export const Completion = z.object({ text: z.string(), finishReason: FinishReason, usage: Usage, stopSequence: z.string().optional() });
export type Completion = z.infer<typeof Completion>;

export const EmbedRequest = z.object({ model: z.string().min(1).max(512), input: z.array(z.string()).min(1).max(2048) });
export type EmbedRequest = z.infer<typeof EmbedRequest>;
export const EmbedResult = z.object({ embeddings: z.array(z.array(z.number())), promptTokens: z.number().int() });
export type EmbedResult = z.infer<typeof EmbedResult>;
