// Fixture tests of the Anthropic Messages dialect: request JSON → canonical request, canonical events →
// SSE wire output (through a real HTTP response), responses and model list pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicModelList, anthropicSink, messageResponse, messagesToCanonical, stopReasonOf } from '../../../../server/dialects/anthropic.js';
import { MessageResponse, MessageStreamEvent } from '../../../../server/contract/anthropic.js';
import { HearthError, hearthError } from '../../../../server/errors/catalog.js';
import { parseSse, runSink } from './sink-harness.js';

const user = (content: unknown) => ({ role: 'user', content });
const req = (extra: Record<string, unknown> = {}) => ({ model: 'tiny', max_tokens: 16, messages: [user('Hi')], ...extra });

function rejects(body: unknown, code: string, pattern: RegExp) {
  assert.throws(() => messagesToCanonical(body), (e: unknown) => {
    assert.ok(e instanceof HearthError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.status, 400);
    assert.match(e.message, pattern);
    return true;
  });
}

test('system (string or text blocks), string and block content, and sampling become the canonical chat', () => {
  const { canonical, stream } = messagesToCanonical({
    model: 'tiny', max_tokens: 32, system: [{ type: 'text', text: 'Be ' }, { type: 'text', text: 'brief.' }],
    messages: [user('Hello'), { role: 'assistant', content: [{ type: 'text', text: 'Hi!' }] }, user([{ type: 'text', text: 'a' }, { type: 'text', text: 'b', cache_control: { type: 'ephemeral' } }])],
    stop_sequences: ['\n\nHuman:'], temperature: 0.5, top_p: 0.9, top_k: 40, metadata: { user_id: 'u1' }, stream: true,
  });
  assert.equal(stream, true);
  assert.deepEqual(canonical, {
    kind: 'chat', model: 'tiny',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }, { role: 'assistant', content: 'Hi!' }, { role: 'user', content: 'ab' }],
    sampling: { maxTokens: 32, temperature: 0.5, topP: 0.9, topK: 40, stop: ['\n\nHuman:'] },
  });
  const plain = messagesToCanonical(req({ system: 'S', output_config: { effort: 'low' }, service_tier: 'auto' }));
  assert.equal(plain.stream, false);
  assert.deepEqual(plain.canonical.kind === 'chat' && plain.canonical.messages[0], { role: 'system', content: 'S' });
});

test('bad requests are refused with a clear 400', () => {
  rejects({ model: 'tiny', messages: [user('x')] }, 'ERR_VALIDATION', /max_tokens is required/);
  rejects(req({ max_tokens: 0 }), 'ERR_VALIDATION', /max_tokens/);
  rejects(req({ max_tokens: 1e7 }), 'ERR_VALIDATION', /max_tokens/);
  rejects(req({ temperature: 1.5 }), 'ERR_VALIDATION', /temperature/);
  rejects(req({ top_p: 0 }), 'ERR_VALIDATION', /top_p/);
  rejects(req({ messages: [] }), 'ERR_VALIDATION', /messages/);
  rejects(req({ messages: [{ role: 'system', content: 'x' }] }), 'ERR_VALIDATION', /messages\.0\.role/);
  rejects(req({ messages: [user([{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } }])] }), 'ERR_NOT_SUPPORTED', /messages\.0\.content.*"image"/);
  rejects(req({ system: [{ type: 'document', source: {} }] }), 'ERR_NOT_SUPPORTED', /system.*"document"/);
  rejects(req({ tools: [{ name: 'f', input_schema: {} }] }), 'ERR_VALIDATION', /tools are not supported/);
  rejects(req({ thinking: { type: 'enabled', budget_tokens: 1024 } }), 'ERR_VALIDATION', /thinking is not supported/);
  rejects(req({ output_config: { format: { type: 'json_schema', schema: {} } } }), 'ERR_VALIDATION', /output_config\.format/);
  rejects(req({ stop_sequences: [''] }), 'ERR_VALIDATION', /stop_sequences/);
  rejects(req({ api_key: 'sk-x' }), 'ERR_FORBIDDEN_FIELD', /api_key/);
  rejects('nope', 'ERR_VALIDATION', /JSON object/);
});

test('finish reasons map to stop_reason', () => {
  assert.equal(stopReasonOf('length'), 'max_tokens');
  assert.equal(stopReasonOf('stop'), 'end_turn');
  assert.equal(stopReasonOf('stop', '\n\nHuman:'), 'stop_sequence');
});

test('a collected answer becomes a message', () => {
  const m = messageResponse('tiny', { text: 'Hello', finishReason: 'stop', usage: { promptTokens: 9, completionTokens: 2 }, durationMs: 5, firstTokenMs: 1 });
  MessageResponse.parse(m);
  assert.match(m.id, /^msg_/);
  assert.deepEqual(m.content, [{ type: 'text', text: 'Hello' }]);
  assert.equal(m.stop_reason, 'end_turn');
  assert.equal(m.stop_sequence, null);
  assert.equal(m.usage.input_tokens, 9);
  assert.equal(m.usage.output_tokens, 2);
});

test('the stream emits message_start … message_stop with usage, each event named after its type', async () => {
  const r = await runSink((res) => anthropicSink(res, { model: 'tiny', stallMs: 5000 }), async (s) => {
    s.open();
    s.heartbeat();
    await s.write({ type: 'start', promptTokens: 7 });
    await s.write({ type: 'delta', text: 'Hel' });
    await s.write({ type: 'delta', text: 'lo' });
    await s.write({ type: 'done', finishReason: 'length', usage: { promptTokens: 7, completionTokens: 2 } });
    s.end();
  });
  assert.equal(r.status, 200);
  assert.match(r.contentType ?? '', /^text\/event-stream/);
  const { frames, comments } = parseSse(r.body);
  assert.deepEqual(comments, ['keep-alive']);
  const events = frames.map((f) => { const e = MessageStreamEvent.parse(JSON.parse(f.data)); assert.equal(f.event, e.type); return e; });
  assert.deepEqual(events.map((e) => e.type), ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  const start = events[0]!;
  assert.ok(start.type === 'message_start');
  assert.equal(start.message.usage.input_tokens, 7);
  assert.equal(start.message.usage.output_tokens, 0);
  assert.deepEqual(start.message.content, []);
  const text = events.map((e) => (e.type === 'content_block_delta' ? e.delta.text : '')).join('');
  assert.equal(text, 'Hello');
  const delta = events[6]!;
  assert.ok(delta.type === 'message_delta');
  assert.equal(delta.delta.stop_reason, 'max_tokens');
  assert.equal(delta.usage.output_tokens, 2);
});

test('a stream without a start event still begins with message_start', async () => {
  const r = await runSink((res) => anthropicSink(res, { model: 'm', stallMs: 5000 }), async (s) => {
    s.open();
    await s.write({ type: 'done', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 0 } });
    s.end();
  });
  const types = parseSse(r.body).frames.map((f) => f.event);
  assert.deepEqual(types, ['message_start', 'content_block_start', 'ping', 'content_block_stop', 'message_delta', 'message_stop']);
  assert.equal((JSON.parse(parseSse(r.body).frames[0]!.data) as { message: { usage: { input_tokens: number } } }).message.usage.input_tokens, 3);
});

test('a mid-stream failure is one `event: error` in Anthropic format, then the stream closes', async () => {
  const r = await runSink((res) => anthropicSink(res, { model: 'tiny', stallMs: 5000 }), async (s) => {
    s.open();
    await s.write({ type: 'start', promptTokens: 1 });
    await s.write({ type: 'delta', text: 'partial' });
    s.fail(hearthError('ERR_ENGINE_CRASHED'));
  });
  const { frames } = parseSse(r.body);
  const last = frames.at(-1)!;
  assert.equal(last.event, 'error');
  assert.deepEqual(JSON.parse(last.data), { type: 'error', error: { type: 'overloaded_error', message: 'The engine worker stopped; it is restarting.' } });
  assert.ok(!frames.some((f) => f.event === 'message_stop'));
});

test('the model list pages like the Anthropic API', () => {
  const models = ['a', 'b', 'c', 'up/d'].map((id) => ({ id, owner: 'local', details: id === 'a' ? { displayName: 'Model A' } : {} }));
  const all = anthropicModelList(models, {});
  assert.deepEqual(all.data.map((m) => m.id), ['a', 'b', 'c', 'up/d']);
  assert.deepEqual(all.data[0], { type: 'model', id: 'a', display_name: 'Model A', created_at: '1970-01-01T00:00:00.000Z' });
  assert.equal(all.data[1]!.display_name, 'b');
  assert.equal(all.has_more, false);
  assert.equal(all.first_id, 'a');
  assert.equal(all.last_id, 'up/d');
  const p1 = anthropicModelList(models, { limit: '2' });
  assert.deepEqual([p1.data.map((m) => m.id), p1.has_more, p1.last_id], [['a', 'b'], true, 'b']);
  const p2 = anthropicModelList(models, { limit: '2', after_id: 'b' });
  assert.deepEqual([p2.data.map((m) => m.id), p2.has_more], [['c', 'up/d'], false]);
  const back = anthropicModelList(models, { limit: '2', before_id: 'up/d' });
  assert.deepEqual([back.data.map((m) => m.id), back.has_more], [['b', 'c'], true]);
  assert.throws(() => anthropicModelList(models, { limit: '0' }), (e: unknown) => e instanceof HearthError && e.code === 'ERR_VALIDATION');
});
