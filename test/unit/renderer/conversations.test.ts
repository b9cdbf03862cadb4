// Tests the browser conversation store: round trip, a corrupt store is ignored, and saving is bounded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConversations, newConversation, saveConversations, titleOf } from '../../../renderer/src/conversations.js';

class MemoryStorage implements Storage {
  private m = new Map<string, string>();
  get length() { return this.m.size; }
  clear() { this.m.clear(); }
  getItem(k: string) { return this.m.get(k) ?? null; }
  key(i: number) { return [...this.m.keys()][i] ?? null; }
  removeItem(k: string) { this.m.delete(k); }
  setItem(k: string, v: string) { this.m.set(k, String(v)); }
}

test('conversations round-trip, newest first', () => {
  const s = new MemoryStorage();
  const a = { ...newConversation('tiny'), updatedAt: 1, messages: [{ role: 'user' as const, content: '<img src=x onerror=alert(1)>' }] };
  const b = { ...newConversation('fake/x'), updatedAt: 2, messages: [{ role: 'assistant' as const, content: 'hi', stats: { ttftMs: 5, tokensPerSecond: 10 } }] };
  saveConversations([a, b], s);
  const got = loadConversations(s);
  assert.deepEqual(got.map((c) => c.id), [b.id, a.id]);
  assert.equal(got[1]!.messages[0]!.content, '<img src=x onerror=alert(1)>');
});

test('a corrupt or foreign store loads as empty instead of crashing', () => {
  const s = new MemoryStorage();
  s.setItem('hearth.conversations', '{not json');
  assert.deepEqual(loadConversations(s), []);
  s.setItem('hearth.conversations', JSON.stringify([{ id: 1, messages: 'x' }]));
  assert.deepEqual(loadConversations(s), []);
});

test('saving keeps at most 50 conversations', () => {
  const s = new MemoryStorage();
  saveConversations(Array.from({ length: 60 }, (_, i) => ({ ...newConversation('m'), id: `c${i}`, updatedAt: i })), s);
  const got = loadConversations(s);
  assert.equal(got.length, 50);
  assert.equal(got[0]!.id, 'c59');
});

test('titles come from the first message, shortened', () => {
  assert.equal(titleOf('  hello\n world '), 'hello world');
  assert.equal(titleOf('x'.repeat(100)).length, 48);
  assert.equal(titleOf('   '), 'New chat');
});
