// Owns the OpenAI dialect's wire schemas (requests validated at runtime, responses typed).
import { z } from 'zod';

/** Fields that could redirect a request or swap its key: refused in every dialect. */
export const FORBIDDEN_FIELDS = ['api_base', 'base_url', 'api_key', 'headers', 'extra_headers', 'api_version', 'custom_llm_provider'] as const;

const TextPart = z.object({ type: z.literal('text'), text: z.string() });
const OtherPart = z.object({ type: z.string() }).loose();
export const OpenAIContent = z.union([z.string(), z.array(z.union([TextPart, OtherPart])), z.null()]);

export const OpenAIMessage = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool', 'function']),
  content: OpenAIContent.optional(),
  name: z.string().optional(),
}).loose();

const stop = z.union([z.string().min(1).max(512), z.array(z.string().min(1).max(512)).max(16)]).nullable().optional();
const maxTokens = z.number().int().min(1).max(1_000_000).nullable().optional();

/** Sampling fields shared by chat and completions (top_k, min_p, repeat_penalty are common extensions). */
const SamplingFields = {
  max_tokens: maxTokens,
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().gt(0).max(1).nullable().optional(),
  top_k: z.number().int().min(0).max(1000).nullable().optional(),
  min_p: z.number().min(0).max(1).nullable().optional(),
  seed: z.number().int().min(0).max(2 ** 32 - 1).nullable().optional(),
  stop,
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  repeat_penalty: z.number().min(0).max(2).nullable().optional(),
  n: z.literal(1).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  user: z.string().optional(),
};

export const ChatCompletionRequest = z.object({
  model: z.string().min(1).max(512),
  messages: z.array(OpenAIMessage).min(1).max(10_000),
  max_completion_tokens: maxTokens,
  tools: z.array(z.unknown()).max(0, 'tools are not supported').nullable().optional(),
  functions: z.array(z.unknown()).max(0, 'functions are not supported').nullable().optional(),
  ...SamplingFields,
}).loose();
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

export const CompletionRequest = z.object({
  model: z.string().min(1).max(512),
  prompt: z.union([z.string(), z.array(z.string()).length(1, 'only one prompt per request is supported')]),
  suffix: z.null().optional(),
  echo: z.literal(false).nullable().optional(),
  ...SamplingFields,
}).loose();
export type CompletionRequest = z.infer<typeof CompletionRequest>;

export const EmbeddingsRequest = z.object({
  model: z.string().min(1).max(512),
  input: z.union([z.string(), z.array(z.string()).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().positive().optional(),
  user: z.string().optional(),
}).loose();
export type EmbeddingsRequest = z.infer<typeof EmbeddingsRequest>;

export const OpenAIUsage = z.object({ prompt_tokens: z.number(), completion_tokens: z.number(), total_tokens: z.number() });
export type OpenAIUsage = z.infer<typeof OpenAIUsage>;
export const OpenAIFinish = z.enum(['stop', 'length', 'content_filter', 'tool_calls']).nullable();

export const ChatCompletionChunk = z.object({
  id: z.string(), object: z.literal('chat.completion.chunk'), created: z.number(), model: z.string(),
  choices: z.array(z.object({ index: z.number(), delta: z.object({ role: z.literal('assistant').optional(), content: z.string().nullable().optional() }).loose(), finish_reason: OpenAIFinish })),
  usage: OpenAIUsage.nullable().optional(),
}).loose();
export type ChatCompletionChunk = z.infer<typeof ChatCompletionChunk>;

export const ModelList = z.object({ object: z.literal('list'), data: z.array(z.object({ id: z.string(), object: z.literal('model'), created: z.number(), owned_by: z.string() })) });
export type ModelList = z.infer<typeof ModelList>;
