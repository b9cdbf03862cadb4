// Owns the Ollama dialect's wire schemas: /api/chat, /api/generate, /api/embed, /api/show requests
// (validated at runtime) and the NDJSON chunks and listings Hearth answers with (typed).
import { z } from 'zod';

/** The `options` Hearth honours. Any other key is refused by name (see OLLAMA_UNSUPPORTED_OPTIONS). */
export const OllamaOptions = z.object({
  /** Must fit the model's loaded context (checked by the route); Hearth never reloads per request. */
  num_ctx: z.number().int().min(1).max(1_048_576).nullable().optional(),
  /** Tokens to generate; -1 (infinite) and -2 (fill the context) mean "until the context is full". */
  num_predict: z.number().int().min(-2).max(1_000_000).nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_k: z.number().int().min(0).max(1000).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  min_p: z.number().min(0).max(1).nullable().optional(),
  /** Negative means a random seed. */
  seed: z.number().int().min(-1).max(2 ** 32 - 1).nullable().optional(),
  stop: z.union([z.string().min(1).max(512), z.array(z.string().min(1).max(512)).max(16)]).nullable().optional(),
  repeat_penalty: z.number().min(0).max(2).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
}).strict();
export type OllamaOptions = z.infer<typeof OllamaOptions>;

export const OLLAMA_SUPPORTED_OPTIONS = Object.keys(OllamaOptions.shape) as ReadonlyArray<keyof OllamaOptions>;

/** `keep_alive`: seconds (number), a Go duration ("5m", "1h30m", "-1"), or a numeric string of seconds. */
export const KeepAlive = z.union([z.number().finite(), z.string().max(64)]).nullable().optional();

const Unsupported = (what: string) => z.unknown().refine((v) => v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0), `${what} is not supported`);

export const OllamaChatMessage = z.object({
  role: z.enum(['system', 'user', 'assistant', 'tool']),
  content: z.string().max(10_000_000).default(''),
  images: Unsupported('images').optional(),
  tool_calls: Unsupported('tool_calls').optional(),
  /** Reasoning text of a previous turn: accepted and dropped. */
  thinking: z.string().optional(),
}).loose();

const common = {
  model: z.string().min(1).max(512),
  stream: z.boolean().nullable().optional(),
  options: OllamaOptions.nullable().optional(),
  keep_alive: KeepAlive,
  format: Unsupported('format (structured output)').optional(),
  think: Unsupported('think').optional(),
};

export const OllamaChatRequest = z.object({
  ...common,
  /** Empty: just load (or, with keep_alive 0, unload) the model. */
  messages: z.array(OllamaChatMessage).max(10_000).default([]),
  tools: Unsupported('tools').optional(),
}).loose();
export type OllamaChatRequest = z.infer<typeof OllamaChatRequest>;

export const OllamaGenerateRequest = z.object({
  ...common,
  /** Empty: just load (or, with keep_alive 0, unload) the model. */
  prompt: z.string().max(10_000_000).default(''),
  system: z.string().max(10_000_000).nullable().optional(),
  /** True: the prompt is sent as-is, without the chat template. */
  raw: z.boolean().nullable().optional(),
  template: Unsupported('template').optional(),
  suffix: Unsupported('suffix').optional(),
  images: Unsupported('images').optional(),
  context: Unsupported('context (token ids of a previous answer)').optional(),
}).loose();
export type OllamaGenerateRequest = z.infer<typeof OllamaGenerateRequest>;

export const OllamaEmbedRequest = z.object({
  model: z.string().min(1).max(512),
  input: z.union([z.string(), z.array(z.string()).max(2048)]).default([]),
  truncate: z.boolean().nullable().optional(),
  options: OllamaOptions.nullable().optional(),
  keep_alive: KeepAlive,
  dimensions: Unsupported('dimensions').optional(),
}).loose();
export type OllamaEmbedRequest = z.infer<typeof OllamaEmbedRequest>;

/** The legacy `/api/embeddings` (one prompt, one vector). */
export const OllamaEmbeddingsRequest = z.object({
  model: z.string().min(1).max(512),
  prompt: z.string(),
  options: OllamaOptions.nullable().optional(),
  keep_alive: KeepAlive,
}).loose();
export type OllamaEmbeddingsRequest = z.infer<typeof OllamaEmbeddingsRequest>;

export const OllamaShowRequest = z.object({
  model: z.string().min(1).max(512).optional(),
  /** Older clients send `name`. */
  name: z.string().min(1).max(512).optional(),
  verbose: z.boolean().optional(),
}).loose().refine((b) => b.model !== undefined || b.name !== undefined, { message: 'model is required', path: ['model'] });
export type OllamaShowRequest = z.infer<typeof OllamaShowRequest>;

export const DoneReason = z.enum(['stop', 'length', 'load', 'unload']);
export type DoneReason = z.infer<typeof DoneReason>;

/** The statistics on the last (`done: true`) chunk. Durations in nanoseconds. */
export const OllamaStats = z.object({
  total_duration: z.number().int(),
  load_duration: z.number().int(),
  prompt_eval_count: z.number().int(),
  prompt_eval_duration: z.number().int(),
  eval_count: z.number().int(),
  eval_duration: z.number().int(),
});
export type OllamaStats = z.infer<typeof OllamaStats>;

/** What every streamed line carries; the last (`done: true`) adds the statistics. */
const OllamaChunkBase = z.object({ model: z.string(), created_at: z.string(), done: z.boolean(), done_reason: DoneReason.optional() }).extend(OllamaStats.partial().shape);

export const OllamaChatChunk = OllamaChunkBase.extend({ message: z.object({ role: z.literal('assistant'), content: z.string() }) });
export type OllamaChatChunk = z.infer<typeof OllamaChatChunk>;

export const OllamaGenerateChunk = OllamaChunkBase.extend({ response: z.string() });
export type OllamaGenerateChunk = z.infer<typeof OllamaGenerateChunk>;

export const OllamaModelDetails = z.object({
  parent_model: z.string(),
  format: z.string(),
  family: z.string(),
  families: z.array(z.string()).nullable(),
  parameter_size: z.string(),
  quantization_level: z.string(),
});
export type OllamaModelDetails = z.infer<typeof OllamaModelDetails>;

export const OllamaTags = z.object({
  models: z.array(z.object({ name: z.string(), model: z.string(), modified_at: z.string(), size: z.number(), digest: z.string(), details: OllamaModelDetails })),
});
export type OllamaTags = z.infer<typeof OllamaTags>;

export const OllamaPs = z.object({
  models: z.array(z.object({ name: z.string(), model: z.string(), size: z.number(), digest: z.string(), details: OllamaModelDetails, expires_at: z.string(), size_vram: z.number() })),
});
export type OllamaPs = z.infer<typeof OllamaPs>;
