import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CanonicalRequest, EngineEvent } from '../../../../server/contract/canonical.js';
import { createOpenAIAdapter, openaiEvents, openaiJsonEvents, openaiRequestBody, openaiHeaders } from '../../../../server/upstreams/openai.js';
import { withFakeUpstream } from '../../../support/fake-upstream.js';
import { HearthError } from '../../../../server/errors/catalog.js';

async function* chunks(...parts: string[]) { for (const p of parts) yield p; }
async function collect(it: AsyncIterable<EngineEvent>) { const out: EngineEvent[] = []; for await (const e of it) out.push(e); return out; }

const chat: CanonicalRequest = { kind: 'chat', model: 'a/gpt', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }], sampling: { maxTokens: 5, temperature: 0.5, topP: 0.9, stop: ['\n'], seed: 3, topK: 40 } };

test('chat request body: upstream model, streamed with usage, sampling mapped', () => {
  assert.deepEqual(openaiRequestBody('gpt', chat), {
    model: 'gpt', messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }],
    stream: true, stream_options: { include_usage: true }, max_tokens: 5, temperature: 0.5, top_p: 0.9, stop: ['\n'], seed: 3, top_k: 40,
  });
});

test('completion request body carries the prompt and no messages', () => {
  const b = openaiRequestBody('m', { kind: 'completion', model: 'x/m', prompt: 'Once', sampling: {} });
  assert.deepEqual(b, { model: 'm', prompt: 'Once', stream: true, stream_options: { include_usage: true } });
});

test('headers carry the configured key as a bearer token, none without a key', () => {
  assert.equal(openaiHeaders('sk-1').authorization, 'Bearer sk-1');
  assert.equal(openaiHeaders(undefined).authorization, undefined);
});

test('SSE stream → deltas as they come, then done with the upstream usage', async () => {
  const sse = [
    'data: {"choices":[{"index":0,"delta":{"role":"assistant","content":""}}]}\n\n',
    'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\ndata: {"choices":[{"index":0,"de',
    'lta":{"content":"lo"},"finish_reason":null}]}\n\n',
    'data: {"choices":[{"index":0,"delta":{},"finish_reason":"length"}]}\n\n',
    'data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}\n\n',
    'data: [DONE]\n\n',
  ];
  assert.deepEqual(await collect(openaiEvents('a', 'chat', chunks(...sse))), [
    { type: 'delta', text: 'Hel' }, { type: 'delta', text: 'lo' },
    { type: 'done', finishReason: 'length', usage: { promptTokens: 7, completionTokens: 2 } },
  ]);
});

test('completion SSE uses choices[].text; missing usage counts deltas', async () => {
  const ev = await collect(openaiEvents('a', 'completion', chunks('data: {"choices":[{"text":"a"}]}\n\n', 'data: {"choices":[{"text":"b","finish_reason":"stop"}]}\n\ndata: [DONE]\n\n')));
  assert.deepEqual(ev.at(-1), { type: 'done', finishReason: 'stop', usage: { promptTokens: 0, completionTokens: 2 } });
});

test('a stream that ends without [DONE] or a finish is an ERR_UPSTREAM', async () => {
  await assert.rejects(collect(openaiEvents('a', 'chat', chunks('data: {"choices":[{"delta":{"content":"x"}}]}\n\n'))), (e: HearthError) => e.code === 'ERR_UPSTREAM' && /ended the stream/.test(e.message));
});

test('malformed JSON in an event is an ERR_UPSTREAM that does not echo the body', async () => {
  await assert.rejects(collect(openaiEvents('a', 'chat', chunks('data: {"choices":[{"delta":{"content":"SECRET-BODY\n\n'))), (e: HearthError) => e.code === 'ERR_UPSTREAM' && !e.message.includes('SECRET'));
});

test('an error object mid-stream is an ERR_UPSTREAM', async () => {
  await assert.rejects(collect(openaiEvents('a', 'chat', chunks('data: {"error":{"message":"boom"}}\n\n'))), (e: HearthError) => e.code === 'ERR_UPSTREAM' && !e.message.includes('boom'));
});

test('a plain JSON chat.completion (server ignored stream) → one delta and done', () => {
  const ev = [...openaiJsonEvents('a', 'chat', { choices: [{ message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 1 } })];
  assert.deepEqual(ev, [{ type: 'delta', text: 'ok' }, { type: 'done', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 1 } }]);
});

test('complete(): a non-streamed upstream request, answered with one JSON body (or SSE from a server that streams anyway)', async () => {
  await withFakeUpstream((body) => (body.model === 'streamer'
    ? { contentType: 'text/event-stream', body: 'data: {"choices":[{"delta":{"content":"He"}}]}\n\ndata: {"choices":[{"delta":{"content":"y"},"finish_reason":"length"}],"usage":{"prompt_tokens":2,"completion_tokens":2}}\n\ndata: [DONE]\n\n' }
    : { contentType: 'application/json', body: JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }], usage: { prompt_tokens: 4, completion_tokens: 1 } }) }),
  async (url, client, seen) => {
    const adapter = createOpenAIAdapter({ decl: { name: 'a', kind: 'openai', url, concurrency: 4 }, client });
    const ok = await adapter.complete!('gpt', chat, new AbortController().signal);
    assert.deepEqual(ok, { text: 'Hello', finishReason: 'stop', usage: { promptTokens: 4, completionTokens: 1 } });
    assert.equal(seen[0]!.stream, false, 'asked non-streamed');
    assert.equal(seen[0]!.stream_options, undefined);
    const streamed = await adapter.complete!('streamer', chat, new AbortController().signal);
    assert.deepEqual(streamed, { text: 'Hey', finishReason: 'length', usage: { promptTokens: 2, completionTokens: 2 } });
  });
});
