import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '../../../../server/contract/canonical.js';
import { anthropicEvents, anthropicHeaders, anthropicRequestBody, ANTHROPIC_DEFAULT_MAX_TOKENS, createAnthropicAdapter } from '../../../../server/upstreams/anthropic.js';
import { withFakeUpstream } from '../../../support/fake-upstream.js';
import { HearthError } from '../../../../server/errors/catalog.js';

async function* chunks(...parts: string[]) { for (const p of parts) yield p; }
async function collect(it: AsyncIterable<EngineEvent>) { const out: EngineEvent[] = []; for await (const e of it) out.push(e); return out; }

test('chat body: system apart, same-role turns merged, first turn user, sampling mapped', () => {
  const b = anthropicRequestBody('claude', {
    kind: 'chat', model: 'c/claude',
    messages: [{ role: 'system', content: 'S1' }, { role: 'assistant', content: 'A0' }, { role: 'user', content: 'U1' }, { role: 'user', content: 'U2' }, { role: 'system', content: 'S2' }],
    sampling: { maxTokens: 9, temperature: 1.5, topP: 0.5, topK: 10, stop: ['END'] },
  });
  assert.deepEqual(b, {
    model: 'claude', max_tokens: 9, stream: true, system: 'S1\n\nS2',
    messages: [{ role: 'user', content: '' }, { role: 'assistant', content: 'A0' }, { role: 'user', content: 'U1\n\nU2' }],
    temperature: 1, top_p: 0.5, top_k: 10, stop_sequences: ['END'],
  });
});

test('completion body: the prompt as one user turn, default max_tokens', () => {
  const b = anthropicRequestBody('m', { kind: 'completion', model: 'c/m', prompt: 'P', sampling: {} });
  assert.deepEqual(b, { model: 'm', max_tokens: ANTHROPIC_DEFAULT_MAX_TOKENS, stream: true, messages: [{ role: 'user', content: 'P' }] });
});

test('headers: x-api-key and anthropic-version 2023-06-01', () => {
  const h = anthropicHeaders('k-1');
  assert.equal(h['x-api-key'], 'k-1');
  assert.equal(h['anthropic-version'], '2023-06-01');
  assert.equal(h.authorization, undefined);
});

const frame = (event: string, data: unknown) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

test('Messages stream → deltas, then done with input/output tokens and stop reason', async () => {
  const s = [
    frame('message_start', { type: 'message_start', message: { id: 'm', usage: { input_tokens: 12, output_tokens: 1 } } }),
    frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
    frame('ping', { type: 'ping' }),
    frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }).slice(0, 20),
    frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }).slice(20),
    frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } }),
    frame('content_block_stop', { type: 'content_block_stop', index: 0 }),
    frame('message_delta', { type: 'message_delta', delta: { stop_reason: 'max_tokens' }, usage: { output_tokens: 2 } }),
    frame('message_stop', { type: 'message_stop' }),
  ];
  assert.deepEqual(await collect(anthropicEvents('c', chunks(...s))), [
    { type: 'delta', text: 'Hi' }, { type: 'delta', text: ' there' },
    { type: 'done', finishReason: 'length', usage: { promptTokens: 12, completionTokens: 2 } },
  ]);
});

test('no message_stop → ERR_UPSTREAM; an error event → ERR_UPSTREAM without its text', async () => {
  await assert.rejects(collect(anthropicEvents('c', chunks(frame('message_start', { type: 'message_start', message: { usage: {} } })))), (e: HearthError) => e.code === 'ERR_UPSTREAM');
  await assert.rejects(collect(anthropicEvents('c', chunks(frame('error', { type: 'error', error: { type: 'overloaded_error', message: 'SECRET' } })))), (e: HearthError) => e.code === 'ERR_UPSTREAM' && !e.message.includes('SECRET'));
});

test('complete(): a non-streamed Messages request, its content blocks joined, usage and stop reason mapped', async () => {
  const req = { kind: 'chat' as const, model: 'c/claude', messages: [{ role: 'user' as const, content: 'hi' }], sampling: { maxTokens: 5 } };
  await withFakeUpstream((body) => (body.model === 'streamer'
    ? { contentType: 'text/event-stream', body: 'event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":3,"output_tokens":0}}}\n\nevent: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Yo"}}\n\nevent: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":1}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n' }
    : { contentType: 'application/json', body: JSON.stringify({ type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Hel' }, { type: 'text', text: 'lo' }], stop_reason: 'max_tokens', usage: { input_tokens: 7, output_tokens: 5 } }) }),
  async (url, client, seen) => {
    const adapter = createAnthropicAdapter({ decl: { name: 'c', kind: 'anthropic', url, concurrency: 2 }, client });
    assert.deepEqual(await adapter.complete!('claude', req, new AbortController().signal), { text: 'Hello', finishReason: 'length', usage: { promptTokens: 7, completionTokens: 5 } });
    assert.equal(seen[0]!.stream, false);
    assert.deepEqual(await adapter.complete!('streamer', req, new AbortController().signal), { text: 'Yo', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 1 } });
  });
});
