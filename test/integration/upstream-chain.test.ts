// Chains (issue 5, acceptance 2): Hearth B declares Hearth A (running the tiny model) as an openai,
// an anthropic and an ollama upstream; B streams through each to the official openai SDK, usage included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { startHearth, waitReady, TEST_ADMIN_TOKEN, type Hearth } from '../support/server.js';

const A_TOKEN = 'hth_admin_chain_upstream_A_0123456789';
let a: Hearth;
let b: Hearth;
let client: OpenAI;

before(async () => {
  a = await startHearth({ args: ['--model', 'tiny', '--context-size', '512'], adminToken: A_TOKEN });
  await waitReady(a.url);
  b = await startHearth({
    model: false,
    args: ['--upstream', `a=openai:${a.url}`, '--upstream', `an=anthropic:${a.url}`, '--upstream', `ol=ollama:${a.url}`],
    env: { HEARTH_UPSTREAM_A_KEY: A_TOKEN, HEARTH_UPSTREAM_AN_KEY: A_TOKEN, HEARTH_UPSTREAM_OL_KEY: A_TOKEN },
  });
  await waitReady(b.url);
  client = new OpenAI({ baseURL: `${b.url}/v1`, apiKey: TEST_ADMIN_TOKEN, maxRetries: 0 });
});
after(async () => { await b?.[Symbol.asyncDispose](); await a?.[Symbol.asyncDispose](); });

async function streamThrough(model: string) {
  const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Say hello' }], max_tokens: 8, stream: true, stream_options: { include_usage: true } });
  let chunks = 0; let text = ''; let finish: string | null = null; let usage: OpenAI.CompletionUsage | undefined;
  for await (const c of stream) {
    const ch = c.choices[0];
    if (ch?.delta?.content) { chunks++; text += ch.delta.content; }
    if (ch?.finish_reason) finish = ch.finish_reason;
    if (c.usage) usage = c.usage;
  }
  assert.ok(chunks >= 2, `expected ≥2 content chunks through ${model}, got ${chunks}`);
  assert.ok(text.length > 0);
  assert.equal(finish, 'length');
  assert.ok(usage, 'usage chunk expected');
  assert.equal(usage.completion_tokens, 8, 'completion tokens passed along from A');
  assert.ok(usage.prompt_tokens > 0, 'prompt tokens passed along from A');
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
}

test('B lists A\'s models under the upstream prefix', async () => {
  const ids = (await client.models.list()).data.map((m) => m.id);
  assert.ok(ids.includes('a/tiny'), `a/tiny in ${ids.join(',')}`);
  assert.ok(ids.includes('ol/tiny'), `ol/tiny in ${ids.join(',')}`);
  const up = (await (await fetch(`${b.url}/admin/upstreams`, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } })).json()) as { data: Array<{ name: string; kind: string; apiKey: { set: boolean }; models: string[] }> };
  assert.deepEqual(up.data.map((u) => [u.name, u.kind, u.apiKey.set]), [['a', 'openai', true], ['an', 'anthropic', true], ['ol', 'ollama', true]]);
  assert.ok(up.data[0]!.models.includes('a/tiny'));
  assert.ok(!JSON.stringify(up).includes(A_TOKEN), 'upstream keys are never returned');
});

test('openai upstream: B streams A\'s answer with usage', async () => { await streamThrough('a/tiny'); });

test('each upstream kind: a non-streamed client request is answered by a non-streamed upstream request, usage passed along', async () => {
  for (const model of ['a/tiny', 'an/tiny', 'ol/tiny']) {
    const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 6, temperature: 0 });
    assert.ok((r.choices[0]!.message.content ?? '').length > 0, model);
    assert.equal(r.choices[0]!.finish_reason, 'length', model);
    assert.equal(r.usage!.completion_tokens, 6, model);
    assert.ok(r.usage!.prompt_tokens > 0, model);
  }
});

test('openai upstream: legacy completions stream through', async () => {
  const stream = await client.completions.create({ model: 'a/tiny', prompt: 'Once upon', max_tokens: 5, stream: true, stream_options: { include_usage: true } });
  let text = ''; let usage: OpenAI.CompletionUsage | undefined;
  for await (const c of stream) { text += c.choices[0]?.text ?? ''; if (c.usage) usage = c.usage; }
  assert.ok(text.length > 0);
  assert.equal(usage?.completion_tokens, 5);
});

test('anthropic upstream: B streams A\'s answer with usage', async () => {
  await streamThrough('an/tiny');
});

test('ollama upstream: B streams A\'s answer with usage', async () => {
  await streamThrough('ol/tiny');
});

test('an unknown upstream is a 404 model-not-found', async () => {
  await assert.rejects(client.chat.completions.create({ model: 'nope/tiny', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 }), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 404);
});

test('after the chains, B\'s upstream pools hold no slot', async () => {
  const r = (await (await fetch(`${b.url}/readyz`)).json()) as { models: Record<string, { slotsUsed: number; slotsTotal: number }> };
  for (const pool of ['upstream:a', 'upstream:an', 'upstream:ol']) {
    assert.equal(r.models[pool]?.slotsTotal, 8, `${pool} capacity`);
    assert.equal(r.models[pool]?.slotsUsed, 0, `${pool} slots`);
  }
});
