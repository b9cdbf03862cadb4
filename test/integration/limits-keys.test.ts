// Issue 4, acceptance 3 (in-memory limits), against a real `hearth serve` with the tiny model:
// `--rpm 2` refuses the third request within the minute with 429, Retry-After and the
// x-ratelimit-* headers for requests and tokens, set before any stream byte (a streamed request gets a
// plain JSON 429, never SSE), in each dialect, while another key is unaffected; `--tpm` counts
// prompt and streamed completion tokens as they flow, aborted and failed requests included.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHearth, waitReady, runCli, type Hearth } from '../support/server.js';
import { startStream } from '../support/stream.js';

let h: Hearth;

before(async () => {
  h = await startHearth({ args: ['--model', 'tiny', '--context-size', '2048', '--max-concurrency', '2', '--max-queue', '8'] });
  await waitReady(h.url);
});
after(async () => { await h?.[Symbol.asyncDispose](); });

/** Creates a key with the real CLI and waits (bounded) until the running server accepts it. */
async function createKey(name: string, ...limits: string[]): Promise<string> {
  const r = await runCli(['keys', 'create', '--name', name, ...limits, '--data-dir', h.dataDir]);
  assert.equal(r.code, 0, r.stderr);
  const key = r.stdout.trim();
  for (let i = 0; i < 40; i++) {
    if ((await fetch(`${h.url}/api/version`, { headers: { authorization: `Bearer ${key}` } })).status === 200) return key;
    await sleep(50);
  }
  assert.fail(`key ${name} not accepted by the running server within 2 s`);
}

const chat = (key: string, body: Record<string, unknown> = {}) => fetch(`${h.url}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'tiny', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }], ...body }),
});

const RESET = /^\d+s$|^\d+m\d+s$/;

function assertLimited(res: Response, label: string, want: { rpm?: number; tpm?: number }): void {
  assert.equal(res.status, 429, label);
  assert.ok(Number(res.headers.get('retry-after')) >= 1, `${label}: Retry-After ≥ 1`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/, `${label}: a plain JSON answer, not a stream`);
  if (want.rpm !== undefined) {
    assert.equal(res.headers.get('x-ratelimit-limit-requests'), String(want.rpm), label);
    assert.equal(res.headers.get('x-ratelimit-remaining-requests'), '0', label);
    assert.match(res.headers.get('x-ratelimit-reset-requests') ?? '', RESET, label);
  }
  if (want.tpm !== undefined) {
    assert.equal(res.headers.get('x-ratelimit-limit-tokens'), String(want.tpm), label);
    assert.match(res.headers.get('x-ratelimit-remaining-tokens') ?? '', /^\d+$/, label);
    assert.match(res.headers.get('x-ratelimit-reset-tokens') ?? '', RESET, label);
  }
}

test('--rpm 2: the third request within the minute gets 429 with Retry-After and the ratelimit headers, before any stream byte; another key is unaffected', async () => {
  const limited = await createKey('rpm-two', '--rpm', '2', '--tpm', '100000');
  const other = await createKey('rpm-other', '--rpm', '2');
  const first = await chat(limited);
  assert.equal(first.status, 200, await first.clone().text());
  assert.equal(first.headers.get('x-ratelimit-limit-requests'), '2');
  assert.equal(first.headers.get('x-ratelimit-remaining-requests'), '1');
  assert.equal(first.headers.get('x-ratelimit-limit-tokens'), '100000');
  await first.arrayBuffer();
  const second = await chat(limited);
  assert.equal(second.status, 200);
  assert.equal(second.headers.get('x-ratelimit-remaining-requests'), '0');
  await second.arrayBuffer();

  // Third, streamed: refused with a plain JSON body (no SSE byte was sent).
  const third = await chat(limited, { stream: true });
  assertLimited(third, 'streamed third request', { rpm: 2, tpm: 100000 });
  const body = await third.text();
  assert.ok(!body.startsWith('data:') && !body.startsWith(':'), 'no SSE frame before the refusal');
  const err = JSON.parse(body) as { error: { type: string; code: string } };
  assert.equal(err.error.type, 'rate_limit_error');
  assert.equal(err.error.code, 'rate_limit_exceeded');
  // The same key on the other dialects' streaming endpoints: refused in their shape.
  const msg = await fetch(`${h.url}/v1/messages`, {
    method: 'POST', headers: { 'x-api-key': limited, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', max_tokens: 2, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
  });
  assertLimited(msg, '/v1/messages stream', { rpm: 2, tpm: 100000 });
  assert.deepEqual(Object.keys(await msg.json() as object).sort(), ['error', 'type']);
  const ol = await fetch(`${h.url}/api/chat`, {
    method: 'POST', headers: { authorization: `Bearer ${limited}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 2 } }),
  });
  assertLimited(ol, '/api/chat (NDJSON by default)', { rpm: 2, tpm: 100000 });
  assert.equal(typeof ((await ol.json()) as { error: unknown }).error, 'string');

  // Another key, and the admin token, are unaffected.
  const o = await startStream(h.url, other, { max_tokens: 3 });
  assert.equal(o.status, 200);
  await o.done;
  assert.equal(o.times.length, 3);
  const adm = await chat(h.adminToken);
  assert.equal(adm.status, 200);
  assert.equal(adm.headers.get('x-ratelimit-limit-requests'), null, 'the admin token has no per-key limits');
  await adm.arrayBuffer();
  // The limited key is still refused (refusals do not reset the window).
  const again = await chat(limited);
  assertLimited(again, 'fourth request', { rpm: 2 });
  await again.arrayBuffer();
});

test('--tpm is enforced on streamed tokens: after a stream passes the budget, the next request gets 429', async () => {
  const key = await createKey('tpm-stream', '--tpm', '40');
  const run = await startStream(h.url, key, { max_tokens: 60 });
  assert.equal(run.status, 200);
  assert.equal(run.headers.get('x-ratelimit-limit-tokens'), '40');
  await run.done;
  assert.equal(run.times.length, 60, 'the admitted stream ran to its end');
  // Tokens are counted asynchronously as they flow: allow a short bounded settle.
  let res = await chat(key, { stream: true });
  for (let i = 0; i < 20 && res.status !== 429; i++) { await res.arrayBuffer(); await sleep(50); res = await chat(key, { stream: true }); }
  assertLimited(res, 'after a 60-token stream with tpm 40', { tpm: 40 });
  assert.equal(res.headers.get('x-ratelimit-remaining-tokens'), '0');
  await res.arrayBuffer();
});

test('--tpm counts tokens of a stream the client aborted, and prompt tokens', async () => {
  const key = await createKey('tpm-abort', '--tpm', '100');
  const run = await startStream(h.url, key, { max_tokens: 1500 });
  assert.equal(run.status, 200);
  await run.chunks(120);
  run.abort();
  await run.done;
  assert.ok(run.times.length >= 120 && run.times.length < 1500, `aborted after ${run.times.length} chunks`);
  let res = await chat(key);
  for (let i = 0; i < 20 && res.status !== 429; i++) { await res.arrayBuffer(); await sleep(50); res = await chat(key); }
  assertLimited(res, 'after an aborted 120+-token stream with tpm 100', { tpm: 100 });
  await res.arrayBuffer();

  const promptKey = await createKey('tpm-prompt', '--tpm', '50');
  const long = await chat(promptKey, { max_tokens: 1, messages: [{ role: 'user', content: 'lorem ipsum dolor sit amet '.repeat(30) }] });
  assert.equal(long.status, 200);
  const usage = ((await long.json()) as { usage: { prompt_tokens: number } }).usage;
  assert.ok(usage.prompt_tokens > 50, `prompt of ${usage.prompt_tokens} tokens`);
  let next = await chat(promptKey);
  for (let i = 0; i < 20 && next.status !== 429; i++) { await next.arrayBuffer(); await sleep(50); next = await chat(promptKey); }
  assertLimited(next, 'after a long prompt with tpm 50', { tpm: 50 });
  await next.arrayBuffer();
});

test('failed requests count against --rpm too', async () => {
  const key = await createKey('rpm-failed', '--rpm', '1');
  const bad = await chat(key, { model: 'no-such-model' });
  assert.equal(bad.status, 404);
  await bad.arrayBuffer();
  const next = await chat(key);
  assertLimited(next, 'after a failed request with rpm 1', { rpm: 1 });
  await next.arrayBuffer();
});
