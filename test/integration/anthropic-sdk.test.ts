// The official @anthropic-ai/sdk against a real `hearth serve` with the tiny model (issue 5,
// acceptance 1): streamed and non-streamed messages, the model list, and errors in Anthropic's format.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startHearth, waitReady, type Hearth } from '../support/server.js';

let h: Hearth;
let client: Anthropic;

before(async () => {
  h = await startHearth({ args: ['--model', 'tiny', '--context-size', '512'] });
  await waitReady(h.url);
  client = new Anthropic({ baseURL: h.url, apiKey: h.adminToken, maxRetries: 0 });
});
after(async () => { await h?.[Symbol.asyncDispose](); });

test('streams a message through the SDK helper, with usage and stop_reason', async () => {
  const stream = client.messages.stream({ model: 'tiny', max_tokens: 12, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }] });
  let deltas = 0; let text = '';
  stream.on('text', (t) => { deltas++; text += t; });
  const final = await stream.finalMessage();
  assert.ok(deltas >= 2, `expected ≥2 text deltas, got ${deltas}`);
  assert.equal(final.type, 'message');
  assert.equal(final.role, 'assistant');
  assert.equal(final.model, 'tiny');
  assert.match(final.id, /^msg_/);
  assert.equal(final.content[0]?.type, 'text');
  assert.equal(final.content[0]?.type === 'text' && final.content[0].text, text);
  assert.equal(final.stop_reason, 'max_tokens');
  assert.equal(final.usage.output_tokens, 12);
  assert.ok(final.usage.input_tokens > 0);
});

test('raw stream events come in Anthropic order', async () => {
  // temperature/top_k/top_p are not in this SDK's types any more, but the API (and Hearth) accept them.
  const params = { model: 'tiny', max_tokens: 5, stream: true as const, messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'Hi' }] }], temperature: 0, top_k: 1, top_p: 1 };
  const stream = await client.messages.create(params);
  const types: string[] = [];
  let inputTokens = -1; let outputTokens = -1;
  for await (const e of stream) {
    types.push(e.type);
    if (e.type === 'message_start') inputTokens = e.message.usage.input_tokens;
    if (e.type === 'message_delta') outputTokens = e.usage.output_tokens;
  }
  assert.deepEqual(types.filter((t) => t !== 'content_block_delta'), ['message_start', 'content_block_start', 'content_block_stop', 'message_delta', 'message_stop']);
  assert.ok(types.filter((t) => t === 'content_block_delta').length >= 2);
  assert.ok(inputTokens > 0);
  assert.equal(outputTokens, 5);
});

test('non-streamed message', async () => {
  const params = {
    model: 'tiny', max_tokens: 8, temperature: 0, stop_sequences: ['\n\nHuman:'], metadata: { user_id: 'u1' },
    messages: [{ role: 'user' as const, content: 'Hi' }, { role: 'assistant' as const, content: 'Hello.' }, { role: 'user' as const, content: 'Again' }],
  };
  const r = await client.messages.create(params);
  assert.equal(r.type, 'message');
  assert.equal(r.content.length, 1);
  assert.ok(r.content[0]?.type === 'text' && r.content[0].text.length > 0);
  assert.equal(r.stop_reason, 'max_tokens');
  assert.equal(r.stop_sequence, null);
  assert.equal(r.usage.output_tokens, 8);
  assert.ok(r.usage.input_tokens > 0);
  assert.ok(r._request_id, 'request-id header');
});

test('lists and retrieves models in Anthropic shape; OpenAI clients still get theirs', async () => {
  const ids: string[] = [];
  for await (const m of client.models.list()) { assert.equal(m.type, 'model'); assert.equal(typeof m.display_name, 'string'); ids.push(m.id); }
  assert.ok(ids.includes('tiny'), `models: ${ids.join(',')}`);
  const one = await client.models.retrieve('tiny');
  assert.equal(one.id, 'tiny');
  const openai = await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${h.adminToken}` } });
  assert.equal(((await openai.json()) as { object: string }).object, 'list');
});

test('bad input gets a 4xx in Anthropic format and the server keeps serving', async () => {
  await assert.rejects(
    client.messages.create({ model: 'tiny', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }] }),
    (e: unknown) => {
      assert.ok(e instanceof Anthropic.BadRequestError, String(e));
      assert.equal(e.status, 400);
      const body = e.error as { type: string; error: { type: string; message: string } };
      assert.equal(body.type, 'error');
      assert.equal(body.error.type, 'invalid_request_error');
      assert.match(body.error.message, /"image" are not supported/);
      return true;
    },
  );
  await assert.rejects(client.messages.create({ model: 'nope', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), Anthropic.NotFoundError);
  await assert.rejects(new Anthropic({ baseURL: h.url, apiKey: 'wrong-key', maxRetries: 0 }).messages.create({ model: 'tiny', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), Anthropic.AuthenticationError);

  const post = (body: string, key = h.adminToken) => fetch(`${h.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body });
  const cases: Array<[string, string, number, string]> = [
    ['malformed JSON', '{"model": "tiny", "messages": [', 400, 'invalid_request_error'],
    ['missing max_tokens', JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'x' }] }), 400, 'invalid_request_error'],
    ['temperature above 1', JSON.stringify({ model: 'tiny', max_tokens: 5, temperature: 1.5, messages: [{ role: 'user', content: 'x' }] }), 400, 'invalid_request_error'],
    ['tools', JSON.stringify({ model: 'tiny', max_tokens: 5, tools: [{ name: 'f', input_schema: { type: 'object' } }], messages: [{ role: 'user', content: 'x' }] }), 400, 'invalid_request_error'],
    ['base_url', JSON.stringify({ model: 'tiny', max_tokens: 5, base_url: 'http://127.0.0.1:1', messages: [{ role: 'user', content: 'x' }] }), 400, 'invalid_request_error'],
    ['prompt longer than context', JSON.stringify({ model: 'tiny', max_tokens: 5, messages: [{ role: 'user', content: 'word '.repeat(2000) }] }), 400, 'invalid_request_error'],
  ];
  for (const [name, body, status, type] of cases) {
    const r = await post(body);
    assert.equal(r.status, status, name);
    const j = (await r.json()) as { type: string; error: { type: string; message: string } };
    assert.equal(j.type, 'error', name);
    assert.equal(j.error.type, type, name);
    assert.equal(typeof j.error.message, 'string', name);
  }
  const unauth = await post(JSON.stringify({ model: 'tiny', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), 'nope');
  assert.equal(unauth.status, 401);
  assert.deepEqual(((await unauth.json()) as { error: { type: string } }).error.type, 'authentication_error');

  const ok = await client.messages.create({ model: 'tiny', max_tokens: 3, messages: [{ role: 'user', content: 'still there?' }] });
  assert.equal(ok.stop_reason, 'max_tokens');
});
