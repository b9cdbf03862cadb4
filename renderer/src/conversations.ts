// Owns the chat conversations kept in the browser (localStorage): their shape, loading (validated,
// a bad store is ignored rather than crashing the page) and saving (bounded in count and size).
import { z } from 'zod';
import { ChatRole } from '../../server/contract/canonical.js';

export const MessageStats = z.object({
  completionTokens: z.number().optional(),
  promptTokens: z.number().optional(),
  /** Time to first token, ms. */
  ttftMs: z.number().optional(),
  tokensPerSecond: z.number().optional(),
  stopped: z.boolean().optional(),
  error: z.string().optional(),
});
export type MessageStats = z.infer<typeof MessageStats>;

export const ChatMessage = z.object({
  role: ChatRole,
  content: z.string(),
  model: z.string().optional(),
  stats: MessageStats.optional(),
});
export type ChatMessage = z.infer<typeof ChatMessage>;

export const Conversation = z.object({
  id: z.string(),
  title: z.string(),
  model: z.string(),
  messages: z.array(ChatMessage),
  updatedAt: z.number(),
});
export type Conversation = z.infer<typeof Conversation>;

const KEY = 'hearth.conversations';
const MAX_CONVERSATIONS = 50;
const MAX_BYTES = 2_000_000;

export function loadConversations(storage: Storage = localStorage): Conversation[] {
  try {
    const raw = storage.getItem(KEY);
    if (!raw) return [];
    const r = z.array(Conversation).safeParse(JSON.parse(raw));
    return r.success ? r.data.sort((a, b) => b.updatedAt - a.updatedAt) : [];
  } catch { return []; }
}

export function saveConversations(list: Conversation[], storage: Storage = localStorage): void {
  let keep = [...list].sort((a, b) => b.updatedAt - a.updatedAt).slice(0, MAX_CONVERSATIONS);
  let text = JSON.stringify(keep);
  while (text.length > MAX_BYTES && keep.length > 1) { keep = keep.slice(0, -1); text = JSON.stringify(keep); }
  try { storage.setItem(KEY, text); } catch { /* quota: keep in memory */ }
}

export function newConversation(model: string): Conversation {
  return { id: `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`, title: 'New chat', model, messages: [], updatedAt: Date.now() };
}

/** A title from the first user message. */
export function titleOf(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > 48 ? `${t.slice(0, 47)}…` : t || 'New chat';
}
