import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EngineEvent } from '../../../../server/contract/canonical.js';
import { createOllamaAdapter, ollamaEvents, ollamaRequestBody } from '../../../../server/upstreams/ollama.js';
import { withFakeUpstream } from '../../../support/fake-upstream.js';
import { HearthError } from '../../../../server/errors/catalog.js';

async function* chunks(...parts: string[]) { for (const p of parts) yield p; }
async function collect(it: AsyncIterable<EngineEvent>) { const out: EngineEvent[] = []; for await (const e of it) out.push(e); return out; }

test('chat body: messages, stream, options from sampling, keep_alive', () => {
  assert.deepEqual(ollamaRequestBody('llama3', { kind: 'chat', model: 'o/llama3', messages: [{ role: 'user', content: 'hi' }], sampling: { maxTokens: 4, temperature: 0, topK: 5, seed: 1, stop: ['x'], repeatPenalty: 1.1 }, keepAliveMs: 300000 }), {
    model: 'llama3', messages: [{ role: 'user', content: 'hi' }], stream: true,
    options: { num_predict: 4, temperature: 0, top_k: 5, seed: 1, stop: ['x'], repeat_penalty: 1.1 }, keep_alive: '300000ms',
  });
});

test('completion body: raw prompt to /api/generate, no options when none set, forever keep_alive is -1', () => {
  assert.deepEqual(ollamaRequestBody('m', { kind: 'completion', model: 'o/m', prompt: 'P', sampling: {}, keepAliveMs: -1 }), { model: 'm', prompt: 'P', raw: true, stream: true, keep_alive: -1 });
});

test('NDJSON chat stream (split across chunks) → deltas then done with eval counts', async () => {
  const lines = [
    '{"model":"m","message":{"role":"assistant","content":"He"},"done":false}\n{"model":"m","mess',
    'age":{"role":"assistant","content":"y"},"done":false}\n',
    '{"model":"m","message":{"role":"assistant","content":""},"done":true,"done_reason":"length","prompt_eval_count":6,"eval_count":2,"total_duration":1}\n',
  ];
  assert.deepEqual(await collect(ollamaEvents('o', 'chat', chunks(...lines))), [
    { type: 'delta', text: 'He' }, { type: 'delta', text: 'y' },
    { type: 'done', finishReason: 'length', usage: { promptTokens: 6, completionTokens: 2 } },
  ]);
});

test('generate stream uses `response`', async () => {
  const ev = await collect(ollamaEvents('o', 'completion', chunks('{"response":"a","done":false}\n{"response":"","done":true,"done_reason":"stop"}')));
  assert.deepEqual(ev, [{ type: 'delta', text: 'a' }, { type: 'done', finishReason: 'stop', usage: { promptTokens: 0, completionTokens: 1 } }]);
});

test('no done line, a bad line, or an error line → ERR_UPSTREAM', async () => {
  await assert.rejects(collect(ollamaEvents('o', 'chat', chunks('{"message":{"content":"a"},"done":false}\n'))), (e: HearthError) => e.code === 'ERR_UPSTREAM');
  await assert.rejects(collect(ollamaEvents('o', 'chat', chunks('{"message":\n'))), (e: HearthError) => e.code === 'ERR_UPSTREAM');
  await assert.rejects(collect(ollamaEvents('o', 'chat', chunks('{"error":"SECRET"}\n'))), (e: HearthError) => e.code === 'ERR_UPSTREAM' && !e.message.includes('SECRET'));
});

test('complete(): a non-streamed /api/chat or /api/generate request, counts and done reason mapped', async () => {
  await withFakeUpstream((body) => (body.model === 'streamer'
    ? { contentType: 'application/x-ndjson', body: '{"message":{"content":"A"},"done":false}\n{"message":{"content":"B"},"done":true,"done_reason":"stop","prompt_eval_count":2,"eval_count":2}\n' }
    : body.messages
      ? { contentType: 'application/json', body: JSON.stringify({ message: { role: 'assistant', content: 'Hi there' }, done: true, done_reason: 'length', prompt_eval_count: 6, eval_count: 4 }) }
      : { contentType: 'application/json', body: JSON.stringify({ response: 'Once', done: true, done_reason: 'stop', prompt_eval_count: 1, eval_count: 1 }) }),
  async (url, client, seen) => {
    const adapter = createOllamaAdapter({ decl: { name: 'o', kind: 'ollama', url, concurrency: 2 }, client });
    const signal = new AbortController().signal;
    assert.deepEqual(await adapter.complete!('llama', { kind: 'chat', model: 'o/llama', messages: [{ role: 'user', content: 'hi' }], sampling: {} }, signal), { text: 'Hi there', finishReason: 'length', usage: { promptTokens: 6, completionTokens: 4 } });
    assert.deepEqual(await adapter.complete!('llama', { kind: 'completion', model: 'o/llama', prompt: 'P', sampling: {} }, signal), { text: 'Once', finishReason: 'stop', usage: { promptTokens: 1, completionTokens: 1 } });
    assert.ok(seen.every((b) => b.stream === false), 'asked non-streamed');
    assert.deepEqual(await adapter.complete!('streamer', { kind: 'chat', model: 'o/streamer', messages: [{ role: 'user', content: 'hi' }], sampling: {} }, signal), { text: 'AB', finishReason: 'stop', usage: { promptTokens: 2, completionTokens: 2 } });
  });
});
