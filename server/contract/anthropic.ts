// Owns the Anthropic Messages dialect's wire schemas: the `POST /v1/messages` request (validated at
// runtime), the message response, its SSE stream events and the model list (typed).
import { z } from 'zod';

const TextBlock = z.object({ type: z.literal('text'), text: z.string() }).loose();
/** Any other block type (image, document, tool_use, ...): parsed so the dialect can refuse it by name. */
const OtherBlock = z.object({ type: z.string() }).loose();
const Blocks = z.array(z.union([TextBlock, OtherBlock])).max(10_000);

export const AnthropicContent = z.union([z.string(), Blocks]);
export type AnthropicContent = z.infer<typeof AnthropicContent>;

export const AnthropicMessageParam = z.object({
  role: z.enum(['user', 'assistant']),
  content: AnthropicContent,
}).loose();

const stopSequence = z.string().min(1).max(512);

export const MessagesRequest = z.object({
  model: z.string().min(1).max(512),
  messages: z.array(AnthropicMessageParam).min(1).max(10_000),
  system: z.union([z.string(), Blocks]).optional(),
  max_tokens: z.number({ error: (i) => (i.input === undefined ? 'max_tokens is required' : undefined) }).int().min(1).max(1_000_000),
  stop_sequences: z.array(stopSequence).max(16).optional(),
  /** Anthropic's range is 0 ..= 1. */
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().gt(0).max(1).optional(),
  top_k: z.number().int().min(0).max(1000).optional(),
  stream: z.boolean().optional(),
  /** Accepted and ignored (`user_id`). */
  metadata: z.object({}).loose().nullable().optional(),
  tools: z.array(z.unknown()).max(0, 'tools are not supported').optional(),
  thinking: z.object({ type: z.literal('disabled', 'extended thinking is not supported') }).loose().optional(),
  /** `effort` is accepted and ignored (no thinking); structured output is refused. */
  output_config: z.object({ format: z.null('structured output (output_config.format) is not supported').optional() }).loose().nullable().optional(),
}).loose();
export type MessagesRequest = z.infer<typeof MessagesRequest>;

export const StopReason = z.enum(['end_turn', 'max_tokens', 'stop_sequence']);
export type StopReason = z.infer<typeof StopReason>;

export const AnthropicUsage = z.object({
  input_tokens: z.number().int(),
  output_tokens: z.number().int(),
  cache_creation_input_tokens: z.number().int().nullable(),
  cache_read_input_tokens: z.number().int().nullable(),
});
export type AnthropicUsage = z.infer<typeof AnthropicUsage>;

export const MessageResponse = z.object({
  id: z.string(),
  type: z.literal('message'),
  role: z.literal('assistant'),
  model: z.string(),
  content: z.array(z.object({ type: z.literal('text'), text: z.string() })),
  stop_reason: StopReason.nullable(),
  stop_sequence: z.string().nullable(),
  usage: AnthropicUsage,
});
export type MessageResponse = z.infer<typeof MessageResponse>;

/** The data of each SSE event; the SSE `event:` name equals `type`. */
export const MessageStreamEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('message_start'), message: MessageResponse }),
  z.object({ type: z.literal('content_block_start'), index: z.number().int(), content_block: z.object({ type: z.literal('text'), text: z.string() }) }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('content_block_delta'), index: z.number().int(), delta: z.object({ type: z.literal('text_delta'), text: z.string() }) }),
  z.object({ type: z.literal('content_block_stop'), index: z.number().int() }),
  z.object({
    type: z.literal('message_delta'),
    delta: z.object({ stop_reason: StopReason.nullable(), stop_sequence: z.string().nullable() }),
    usage: z.object({ input_tokens: z.number().int().optional(), output_tokens: z.number().int() }),
  }),
  z.object({ type: z.literal('message_stop') }),
]);
export type MessageStreamEvent = z.infer<typeof MessageStreamEvent>;

/** `GET /v1/models` query as the Anthropic SDK sends it. */
export const AnthropicModelsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(20),
  after_id: z.string().max(1024).optional(),
  before_id: z.string().max(1024).optional(),
}).loose();

export const AnthropicModelInfo = z.object({
  type: z.literal('model'),
  id: z.string(),
  display_name: z.string(),
  created_at: z.string(),
});
export type AnthropicModelInfo = z.infer<typeof AnthropicModelInfo>;

export const AnthropicModelList = z.object({
  data: z.array(AnthropicModelInfo),
  has_more: z.boolean(),
  first_id: z.string().nullable(),
  last_id: z.string().nullable(),
});
export type AnthropicModelList = z.infer<typeof AnthropicModelList>;
