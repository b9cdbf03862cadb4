// The official openai SDK against a real `hearth serve` with the tiny model (issue 2, acceptance 1 and 2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHearth, waitReady, type Hearth } from '../support/server.js';

let h: Hearth;
let client: OpenAI;

before(async () => {
  h = await startHearth({ args: ['--model', 'tiny', '--context-size', '512'] });
  await waitReady(h.url);
  client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.adminToken, maxRetries: 0 });
});
after(async () => { await h?.[Symbol.asyncDispose](); });

test('streams a chat completion with content chunks, finish_reason and usage', async () => {
  const stream = await client.chat.completions.create({
    model: 'tiny', messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 12, stream: true, stream_options: { include_usage: true },
  });
  let contentChunks = 0; let finish: string | null = null; let usage: OpenAI.CompletionUsage | undefined; let text = '';
  for await (const chunk of stream) {
    const c = chunk.choices[0];
    if (c?.delta?.content) { contentChunks++; text += c.delta.content; }
    if (c?.finish_reason) finish = c.finish_reason;
    if (chunk.usage) usage = chunk.usage;
  }
  assert.ok(contentChunks >= 2, `expected ≥2 content chunks, got ${contentChunks}`);
  assert.ok(text.length > 0);
  assert.equal(finish, 'length');
  assert.ok(usage, 'usage chunk expected');
  assert.equal(usage.completion_tokens, 12);
  assert.ok(usage.prompt_tokens > 0);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
});

test('non-streamed chat completion', async () => {
  const r = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], max_tokens: 8, temperature: 0 });
  assert.equal(r.object, 'chat.completion');
  assert.equal(r.choices[0]!.message.role, 'assistant');
  assert.ok((r.choices[0]!.message.content ?? '').length > 0);
  assert.equal(r.choices[0]!.finish_reason, 'length');
  assert.equal(r.usage!.completion_tokens, 8);
});

test('greedy decoding with a seed is deterministic', async () => {
  const ask = () => client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'Repeat' }], max_tokens: 10, temperature: 0 });
  const [a, b] = [await ask(), await ask()];
  assert.equal(a.choices[0]!.message.content, b.choices[0]!.message.content);
});

test('lists the models', async () => {
  const list = await client.models.list();
  const ids = list.data.map((m) => m.id);
  assert.ok(ids.includes('tiny'), `models: ${ids.join(',')}`);
  const one = await client.models.retrieve('tiny');
  assert.equal(one.id, 'tiny');
  await assert.rejects(client.models.retrieve('nope'), (e: unknown) => (e as { status?: number }).status === 404);
});

test('completion and embedding', async () => {
  const c = await client.completions.create({ model: 'tiny', prompt: 'Once upon a time', max_tokens: 6 });
  assert.equal(c.object, 'text_completion');
  assert.ok(c.choices[0]!.text.length > 0);
  assert.equal(c.usage!.completion_tokens, 6);
  const s = await client.completions.create({ model: 'tiny', prompt: 'Once', max_tokens: 5, stream: true });
  let parts = 0;
  for await (const ch of s) if (ch.choices[0]?.text) parts++;
  assert.ok(parts >= 2);
  const e = await client.embeddings.create({ model: 'tiny', input: ['hello', 'world'] });
  assert.equal(e.data.length, 2);
  assert.equal(e.data[0]!.embedding.length, 64);
  assert.ok(e.data[0]!.embedding.some((x) => x !== 0));
  assert.ok(e.usage.prompt_tokens > 0);
});

test('bad input gets a 4xx in OpenAI format and the server keeps serving', async () => {
  const post = (body: string) => fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' }, body });
  const cases: Array<[string, string, number]> = [
    ['malformed JSON', '{"model": "tiny", "messages": [', 400],
    ['wrong types', JSON.stringify({ model: 'tiny', messages: 'hello' }), 400],
    ['unknown model', JSON.stringify({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }), 404],
    ['prompt longer than context', JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'word '.repeat(2000) }] }), 400],
    ['max_tokens -1', JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], max_tokens: -1 }), 400],
    ['max_tokens 1e12', JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], max_tokens: 1e12 }), 400],
    ['temperature "hot"', JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' }), 400],
  ];
  for (const [name, body, status] of cases) {
    const r = await post(body);
    assert.equal(r.status, status, name);
    const j = (await r.json()) as { error: { message: string; type: string; code: string } };
    assert.equal(typeof j.error.message, 'string', name);
    assert.equal(typeof j.error.type, 'string', name);
    assert.equal(typeof j.error.code, 'string', name);
    if (name === 'prompt longer than context') assert.match(j.error.message, /512 tokens.*\d+ tokens/);
  }
  const ok = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'still there?' }], max_tokens: 3 });
  assert.equal(ok.choices[0]!.finish_reason, 'length');
});

test('a streamed request whose prompt is too long gets a plain 400 with the token counts, not an SSE error', async () => {
  const r = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', stream: true, messages: [{ role: 'user', content: 'word '.repeat(2000) }] }),
  });
  assert.equal(r.status, 400);
  assert.match(r.headers.get('content-type') ?? '', /application\/json/);
  const j = (await r.json()) as { error: { code: string; message: string } };
  assert.equal(j.error.code, 'context_length_exceeded');
  assert.match(j.error.message, /512 tokens.*\d+ tokens/);
});
