// Owns the typed message protocol between the HTTP server and the engine worker process.
// Both sides validate every message they receive with these schemas.
import { z } from 'zod';
import { CanonicalRequest, FinishReason, Usage } from './canonical.js';

export const LoadOptions = z.object({
  /** Context tokens per sequence, 64.. . Defaults to the server's `contextSize` option, capped by the model. */
  contextSize: z.number().int().min(64),
  /** Upper bound on parallel sequences (the server's `maxConcurrency`). */
  maxSequences: z.number().int().min(1).max(256),
  /** GPU layers: a count, "auto" or "max". Defaults to "auto". */
  gpuLayers: z.union([z.number().int().min(0), z.enum(['auto', 'max'])]).optional(),
  /** Flash attention. Defaults to the model's default. */
  flashAttention: z.boolean().optional(),
  /** Prompt batch size in tokens. Defaults to node-llama-cpp's choice. */
  batchSize: z.number().int().min(1).optional(),
});
export type LoadOptions = z.infer<typeof LoadOptions>;

export const ToWorker = z.discriminatedUnion('t', [
  z.object({ t: z.literal('load'), id: z.number(), model: z.string(), path: z.string(), options: LoadOptions }),
  z.object({ t: z.literal('unload'), id: z.number(), model: z.string() }),
  z.object({ t: z.literal('generate'), id: z.number(), req: CanonicalRequest }),
  z.object({ t: z.literal('embed'), id: z.number(), model: z.string(), input: z.array(z.string()) }),
  z.object({ t: z.literal('abort'), id: z.number() }),
  z.object({ t: z.literal('memory'), id: z.number() }),
]);
export type ToWorker = z.infer<typeof ToWorker>;

export const LoadedInfo = z.object({
  model: z.string(),
  slots: z.number().int().min(0),
  contextSize: z.number().int(),
  trainContextSize: z.number().int().optional(),
  gpu: z.string(),
  threads: z.number().int(),
  sizeBytes: z.number(),
  slotsReason: z.string(),
});
export type LoadedInfo = z.infer<typeof LoadedInfo>;

export const MemoryInfo = z.object({
  gpu: z.string(),
  vram: z.object({ total: z.number(), used: z.number(), free: z.number() }),
  ram: z.object({ total: z.number(), free: z.number() }),
});
export type MemoryInfo = z.infer<typeof MemoryInfo>;

export const WorkerError = z.object({ code: z.string(), message: z.string(), detail: z.record(z.string(), z.unknown()).optional() });

export const FromWorker = z.discriminatedUnion('t', [
  z.object({ t: z.literal('ready'), gpu: z.string(), threads: z.number().int() }),
  z.object({ t: z.literal('loaded'), id: z.number(), info: LoadedInfo }),
  z.object({ t: z.literal('unloaded'), id: z.number() }),
  z.object({ t: z.literal('start'), id: z.number(), promptTokens: z.number().int() }),
  /** Text deltas; several tokens' text may be coalesced into one message. */
  z.object({ t: z.literal('delta'), id: z.number(), text: z.string() }),
  z.object({ t: z.literal('done'), id: z.number(), finishReason: FinishReason, usage: Usage, stopSequence: z.string().optional() }),
  z.object({ t: z.literal('embedded'), id: z.number(), embeddings: z.array(z.array(z.number())), promptTokens: z.number().int() }),
  z.object({ t: z.literal('memory'), id: z.number(), info: MemoryInfo }),
  z.object({ t: z.literal('error'), id: z.number(), error: WorkerError }),
]);
export type FromWorker = z.infer<typeof FromWorker>;
