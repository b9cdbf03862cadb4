// The fast lane against the Express path on a real `hearth serve`: the same request sent with a
// Content-Length (served by the lane) and chunked (served by Express) gets the same answer, headers
// and errors, for an upstream model, the local tiny model, the Anthropic dialect and streams; a
// non-streamed request reaches the upstream as a non-streamed one.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { startHearth, waitReady, runCli, type Hearth } from '../support/server.js';

const upstreamSeen: Array<Record<string, unknown>> = [];
const sockets = new Set<Socket>();
let upstream: http.Server;
let h: Hearth;
let key = '';

before(async () => {
  upstream = http.createServer((req, res) => {
    if (req.method === 'GET') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ data: [{ id: 'm' }] })); return; }
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      upstreamSeen.push(body);
      if (body.stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: {"choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n');
        res.end('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\ndata: [DONE]\n\n');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id: 'up', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there!' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } }));
    });
  });
  upstream.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  h = await startHearth({ args: ['--upstream', `u=openai:http://127.0.0.1:${(upstream.address() as AddressInfo).port}`, '--context-size', '2048'] });
  await waitReady(h.url);
  const created = await runCli(['keys', 'create', '--name', 'lane', '--rpm', '100000', '--data-dir', h.dataDir]);
  assert.equal(created.code, 0, created.stderr);
  key = created.stdout.trim();
  for (let i = 0; i < 40 && (await fetch(`${h.url}/api/version`, { headers: { authorization: `Bearer ${key}` } })).status !== 200; i++) await new Promise((r) => setTimeout(r, 50));
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
  for (const s of sockets) s.destroy();
  await new Promise((r) => upstream?.close(r));
});

interface Answer { status: number; headers: http.IncomingHttpHeaders; text: string }

/** POSTs `body` with a Content-Length (`lane`) or chunked in two pieces (`express`). */
function send(way: 'lane' | 'express', path: string, body: string, headers: Record<string, string>): Promise<Answer> {
  const u = new URL(h.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path, headers: { 'content-type': 'application/json', ...headers, ...(way === 'lane' ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text }));
    });
    req.on('error', reject);
    if (way === 'lane') req.end(body);
    else { const mid = Math.floor(body.length / 2); req.write(body.slice(0, mid)); req.end(body.slice(mid)); }
  });
}

/** Both ways; asserts the lane's answer and Express's are the same, up to generated ids and times. */
async function same(path: string, body: unknown, headers: Record<string, string> = { authorization: `Bearer ${key}` }): Promise<Answer> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const lane = await send('lane', path, text, headers);
  const express = await send('express', path, text, headers);
  const norm = (a: Answer) => a.text.replace(/"(id|created|system_fingerprint)":("[^"]*"|\d+)/g, '"$1":0').replace(/"(total_duration|eval_duration|prompt_eval_duration|created_at)":("[^"]*"|\d+)/g, '"$1":0');
  assert.equal(lane.status, express.status, `${path} status`);
  assert.equal(norm(lane), norm(express), `${path} body`);
  for (const hd of ['content-type', 'www-authenticate', 'retry-after', 'x-ratelimit-limit-requests']) assert.equal(lane.headers[hd], express.headers[hd], `${path} header ${hd}`);
  assert.match(String(lane.headers['x-request-id']), /^[A-Za-z0-9._-]{1,128}$/);
  return lane;
}

const chat = (model: string, extra: Record<string, unknown> = {}) => ({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, ...extra });

test('an upstream model: the same answer both ways, asked non-streamed upstream', async () => {
  upstreamSeen.length = 0;
  const a = await same('/v1/chat/completions', chat('u/m'));
  assert.equal(a.status, 200);
  const j = JSON.parse(a.text) as { model: string; choices: { message: { content: string } }[]; usage: { total_tokens: number } };
  assert.equal(j.model, 'u/m');
  assert.equal(j.choices[0]!.message.content, 'Hello there!');
  assert.equal(j.usage.total_tokens, 8);
  assert.equal(a.headers['x-ratelimit-limit-requests'], '100000');
  assert.equal(upstreamSeen.length, 2);
  for (const b of upstreamSeen) { assert.equal(b.stream, false); assert.equal(b.model, 'm'); }
});

test('the local model, the Anthropic and Ollama dialects: the same answer both ways', async () => {
  const local = await same('/v1/chat/completions', chat('tiny', { temperature: 0, seed: 1 }));
  assert.equal(local.status, 200);
  assert.equal((JSON.parse(local.text) as { usage: { completion_tokens: number } }).usage.completion_tokens > 0, true);
  const msg = await same('/v1/messages', { model: 'u/m', max_tokens: 4, messages: [{ role: 'user', content: 'hi' }] }, { 'x-api-key': key, 'anthropic-version': '2023-06-01' });
  assert.equal(msg.status, 200);
  assert.deepEqual((JSON.parse(msg.text) as { content: unknown }).content, [{ type: 'text', text: 'Hello there!' }]);
  const ollama = await same('/api/chat', { model: 'u/m', stream: false, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(ollama.status, 200);
  assert.equal((JSON.parse(ollama.text) as { message: { content: string } }).message.content, 'Hello there!');
});

test('errors are the same both ways: bad JSON, invalid body, forbidden field, no or wrong token, unknown model', async () => {
  const cases: Array<[string, string, unknown, Record<string, string>?]> = [
    ['bad JSON', '/v1/chat/completions', '{"model":'],
    ['no messages', '/v1/chat/completions', { model: 'u/m' }],
    ['forbidden api_base', '/v1/chat/completions', chat('u/m', { api_base: 'http://evil.example' })],
    ['unknown model', '/v1/chat/completions', chat('nope/m')],
    ['no token', '/v1/chat/completions', chat('u/m'), {}],
    ['wrong token', '/v1/messages', { model: 'u/m', max_tokens: 4, messages: [] }, { 'x-api-key': 'hth_wrong_0123456789', 'anthropic-version': '2023-06-01' }],
    ['anthropic bad JSON', '/v1/messages', '[', { 'x-api-key': key, 'anthropic-version': '2023-06-01' }],
    ['ollama invalid', '/api/generate', { model: 5 }],
  ];
  for (const [what, path, body, headers] of cases) {
    const a = await same(path, body, headers ?? { authorization: `Bearer ${key}` });
    assert.ok(a.status >= 400 && a.status < 500, `${what}: ${a.status}`);
    assert.ok(!a.text.includes(key), `${what}: no key in the body`);
  }
});

test('a client request id is echoed both ways; a stream through the lane ends with [DONE]', async () => {
  const withId = { authorization: `Bearer ${key}`, 'x-request-id': 'trace-123' };
  const lane = await send('lane', '/v1/chat/completions', JSON.stringify(chat('u/m')), withId);
  const express = await send('express', '/v1/chat/completions', JSON.stringify(chat('u/m')), withId);
  assert.equal(lane.headers['x-request-id'], 'trace-123');
  assert.equal(express.headers['x-request-id'], 'trace-123');
  const s = await send('lane', '/v1/chat/completions', JSON.stringify(chat('u/m', { stream: true })), { authorization: `Bearer ${key}` });
  assert.equal(s.status, 200);
  assert.match(String(s.headers['content-type']), /^text\/event-stream/);
  assert.match(s.text, /"content":"Hi"/);
  assert.ok(s.text.trimEnd().endsWith('data: [DONE]'));
});
