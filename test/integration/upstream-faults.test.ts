// Upstream faults (issue 5, acceptance 3 and 4): a fault upstream on 127.0.0.1 stalls, sends 500,
// sends 429 with Retry-After, sends malformed SSE, closes mid-stream or goes idle; each gives the
// documented answer and the upstream pool's slots return to 0. Forbidden body fields are refused
// and the upstream only ever sees its configured host and key.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import OpenAI from 'openai';
import { startHearth, waitReady, TEST_ADMIN_TOKEN, type Hearth } from '../support/server.js';

const UPSTREAM_KEY = 'sk-fault-upstream-key-123';
const SECRET = 'UPSTREAM-SECRET-BODY';
const seen: { model: string; auth?: string; host?: string; body: Record<string, unknown> }[] = [];
const hits = new Map<string, number>();
const closedEarly = new Set<string>();
const sockets = new Set<Socket>();
let fault: http.Server;
let h: Hearth;

const sse = (o: unknown) => `data: ${JSON.stringify(o)}\n\n`;
const delta = (t: string) => sse({ id: 'x', object: 'chat.completion.chunk', choices: [{ index: 0, delta: { content: t }, finish_reason: null }] });

function answer(res: http.ServerResponse) {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write(delta('Hel'));
  res.write(delta('lo'));
  res.write(sse({ choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
  res.write(sse({ choices: [], usage: { prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 } }));
  res.end('data: [DONE]\n\n');
}

function handle(req: http.IncomingMessage, res: http.ServerResponse, raw: string) {
  const body = JSON.parse(raw || '{}') as Record<string, unknown>;
  const model = String(body.model ?? '');
  seen.push({ model, auth: req.headers.authorization, host: req.headers.host, body });
  const n = (hits.get(model) ?? 0) + 1;
  hits.set(model, n);
  switch (model) {
    case 'stall': return; // never answers (first-byte timeout)
    case '500-twice': res.writeHead(500, { 'content-type': 'application/json' }); res.end(JSON.stringify({ error: SECRET })); return;
    case '500-once': if (n === 1) { res.writeHead(500); res.end(SECRET); return; } answer(res); return;
    case '429': res.writeHead(429, { 'retry-after': '7', 'content-type': 'application/json' }); res.end(JSON.stringify({ error: SECRET })); return;
    case 'malformed': res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write(delta('ok')); res.end(`data: {"choices":[{"delta":{"content":"${SECRET}\n\n`); return;
    case 'cut': res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write(delta('par')); res.write(delta('tial')); setTimeout(() => req.socket.destroy(), 50); return;
    case 'idle': res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write(delta('then silence')); return;
    case 'endless': {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let i = 0;
      const t = setInterval(() => { if (i++ > 300) { clearInterval(t); res.end(); return; } res.write(delta(`t${i} `)); }, 20);
      res.on('close', () => { clearInterval(t); if (!res.writableFinished) closedEarly.add(model); });
      return;
    }
    default: answer(res);
  }
}

before(async () => {
  fault = http.createServer((req, res) => {
    if (req.method === 'GET') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ data: [{ id: 'ok' }] })); return; }
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => handle(req, res, raw));
  });
  fault.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => fault.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(fault.address() as AddressInfo).port}`;
  h = await startHearth({
    model: false,
    args: ['--upstream', `f=openai:${url}`, '--upstream-first-byte-timeout-ms', '1500', '--upstream-idle-timeout-ms', '1500'],
    env: { HEARTH_UPSTREAM_F_KEY: UPSTREAM_KEY },
  });
  await waitReady(h.url);
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
  for (const s of sockets) s.destroy();
  await new Promise((r) => fault?.close(r));
});

const chat = (model: string, extra: Record<string, unknown> = {}) => fetch(`${h.url}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: `f/${model}`, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, ...extra }),
});

/** slotsUsed of the upstream pool, polled (bounded) until 0. */
async function slotsUsed(): Promise<number> {
  let used = -1;
  for (let i = 0; i < 40; i++) {
    const r = (await (await fetch(`${h.url}/readyz`)).json()) as { models: Record<string, { slotsUsed: number }> };
    used = r.models['upstream:f']?.slotsUsed ?? -1;
    if (used === 0) return 0;
    await new Promise((res) => setTimeout(res, 50));
  }
  return used;
}

async function errorBody(r: Response) {
  const text = await r.text();
  assert.ok(!text.includes(SECRET), 'the upstream body is never echoed');
  return JSON.parse(text) as { error: { message: string; code?: string; type: string } };
}

test('a healthy upstream answers, streamed and not', async () => {
  const r = await chat('ok');
  assert.equal(r.status, 200);
  const j = (await r.json()) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number } };
  assert.equal(j.choices[0]!.message.content, 'Hello');
  assert.deepEqual([j.usage.prompt_tokens, j.usage.completion_tokens], [4, 2]);
  assert.equal(await slotsUsed(), 0);
});

test('stall → 504 after the first-byte timeout', async () => {
  const r = await chat('stall');
  assert.equal(r.status, 504);
  assert.match((await errorBody(r)).error.message, /did not answer/);
  assert.equal(await slotsUsed(), 0);
});

test('500 twice → 502 after exactly one retry', async () => {
  const r = await chat('500-twice');
  assert.equal(r.status, 502);
  await errorBody(r);
  assert.equal(hits.get('500-twice'), 2);
  assert.equal(await slotsUsed(), 0);
});

test('500 once → retried and answered', async () => {
  const r = await chat('500-once');
  assert.equal(r.status, 200);
  assert.equal(((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content, 'Hello');
  assert.equal(hits.get('500-once'), 2);
  assert.equal(await slotsUsed(), 0);
});

test('429 with Retry-After: 7 → 429 with Retry-After 7 (also through the openai SDK)', async () => {
  const r = await chat('429');
  assert.equal(r.status, 429);
  assert.equal(r.headers.get('retry-after'), '7');
  await errorBody(r);
  const sdk = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: TEST_ADMIN_TOKEN, maxRetries: 0 });
  await assert.rejects(sdk.chat.completions.create({ model: 'f/429', messages: [{ role: 'user', content: 'x' }] }), (e: InstanceType<typeof OpenAI.APIError>) => e.status === 429 && e.headers?.get('retry-after') === '7');
  assert.equal(hits.get('429'), 2, 'a 429 is not retried');
  // A streamed request gets the same HTTP 429 before any SSE byte.
  const s = await chat('429', { stream: true });
  assert.equal(s.status, 429);
  assert.equal(s.headers.get('retry-after'), '7');
  assert.match(s.headers.get('content-type') ?? '', /application\/json/);
  await errorBody(s);
  const s500 = await chat('500-twice', { stream: true });
  assert.equal(s500.status, 502, 'a streamed request whose upstream fails before the first byte gets 502');
  await errorBody(s500);
  assert.equal(await slotsUsed(), 0);
});

async function streamText(model: string) {
  const r = await chat(model, { stream: true });
  assert.equal(r.status, 200);
  const text = await r.text();
  assert.ok(!text.includes(SECRET), 'the upstream body is never echoed');
  return text;
}

for (const [model, what] of [['malformed', 'malformed SSE'], ['cut', 'a connection closed mid-stream'], ['idle', 'an idle stream']] as const) {
  test(`${what} → the deltas so far, one error event, no [DONE]`, async () => {
    const text = await streamText(model);
    const events = text.split('\n\n').filter((e) => e.startsWith('data: ')).map((e) => e.slice(6));
    assert.ok(!events.includes('[DONE]'), 'no [DONE] after a failure');
    const errors = events.filter((e) => e.includes('"error"'));
    assert.equal(errors.length, 1, `one error event in ${text}`);
    assert.ok(events.indexOf(errors[0]!) === events.length - 1, 'the error is the last event');
    assert.ok(events.some((e) => e.includes('"content"')), 'deltas before the failure reached the client');
    assert.equal(await slotsUsed(), 0);
  });
}

test('a client that disconnects mid-stream cancels the upstream request', async () => {
  const r = await chat('endless', { stream: true });
  const reader = r.body!.getReader();
  await reader.read();
  await reader.cancel();
  for (let i = 0; i < 40 && !closedEarly.has('endless'); i++) await new Promise((res) => setTimeout(res, 50));
  assert.ok(closedEarly.has('endless'), 'the upstream saw its request closed');
  assert.equal(await slotsUsed(), 0);
});

test('api_base, base_url, api_key and headers are refused; the upstream sees only its host and configured key', async () => {
  const before = seen.length;
  for (const field of [{ api_base: 'http://127.0.0.1:1' }, { base_url: 'http://127.0.0.1:1/v1' }, { api_key: 'sk-attacker' }, { headers: { authorization: 'Bearer sk-attacker', host: 'evil' } }]) {
    const r = await chat('ok', field);
    assert.equal(r.status, 400, `${Object.keys(field)[0]} refused`);
    assert.match((await errorBody(r)).error.message, /not allowed/);
  }
  assert.equal(seen.length, before, 'refused requests never reached the upstream');
  const r = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST', headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'x-api-key': 'sk-attacker', 'content-type': 'application/json', 'x-upstream-host': 'evil' },
    body: JSON.stringify({ model: 'f/ok', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 }),
  });
  assert.equal(r.status, 200);
  await r.body?.cancel();
  const port = String((fault.address() as AddressInfo).port);
  assert.ok(seen.length > 0);
  for (const s of seen) {
    assert.equal(s.auth, `Bearer ${UPSTREAM_KEY}`, 'only the configured key');
    assert.equal(s.host, `127.0.0.1:${port}`, 'only the configured host');
    for (const f of ['api_base', 'base_url', 'api_key', 'headers']) assert.ok(!(f in s.body));
  }
  assert.equal(await slotsUsed(), 0);
});
