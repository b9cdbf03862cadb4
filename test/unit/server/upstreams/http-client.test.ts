import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstreamHttpClient, parseRetryAfter } from '../../../../server/upstreams/http-client.js';
import { endpoint } from '../../../../server/upstreams/adapter.js';
import { HearthError } from '../../../../server/errors/catalog.js';

let server: http.Server;
let base = '';
const hits = new Map<string, number>();
const sockets = new Set<import('node:net').Socket>();

before(async () => {
  server = http.createServer((req, res) => {
    const n = (hits.get(req.url!) ?? 0) + 1;
    hits.set(req.url!, n);
    if (req.url === '/500-once' && n === 1) { res.writeHead(500); res.end('SECRET-BODY'); return; }
    if (req.url === '/500-always') { res.writeHead(503); res.end('SECRET-BODY'); return; }
    if (req.url === '/429') { res.writeHead(429, { 'retry-after': '7' }); res.end('SECRET-BODY'); return; }
    if (req.url === '/stall') return; // never answers
    if (req.url === '/idle') { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write('data: 1\n\n'); return; }
    if (req.url === '/cut') { res.writeHead(200, { 'content-type': 'text/event-stream' }); res.write('data: 1\n\n'); setTimeout(() => res.socket?.destroy(), 20); return; }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, key: req.headers.authorization ?? null }));
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => { for (const s of sockets) s.destroy(); await new Promise((r) => server.close(r)); });

const client = () => new UpstreamHttpClient({ connectMs: 2000, firstByteMs: 300, idleMs: 300 });
const call = (path: string, signal?: AbortSignal) => ({ upstream: 'u', url: new URL(base + path), method: 'GET' as const, headers: { authorization: 'Bearer K' }, ...(signal ? { signal } : {}) });

test('Retry-After: seconds and HTTP-date', () => {
  assert.equal(parseRetryAfter('7'), 7);
  assert.equal(parseRetryAfter(new Date(1_000_000 + 12_000).toUTCString(), 1_000_000), 12);
  assert.equal(parseRetryAfter('soon'), undefined);
  assert.equal(parseRetryAfter(undefined), undefined);
});

test('endpoint joins without doubling /v1 or /api', () => {
  assert.equal(endpoint('https://api.openai.com/v1', '/v1/models').href, 'https://api.openai.com/v1/models');
  assert.equal(endpoint('http://h:1/', '/v1/chat/completions').href, 'http://h:1/v1/chat/completions');
  assert.equal(endpoint('http://h:1/proxy', '/api/tags').href, 'http://h:1/proxy/api/tags');
  assert.equal(endpoint('http://h:1/api/', '/api/tags').href, 'http://h:1/api/tags');
});

test('2xx: JSON body, headers as given', async () => {
  const c = client();
  try { assert.deepEqual(await (await c.send(call('/ok'))).json(), { ok: true, key: 'Bearer K' }); } finally { c.close(); }
});

test('a 5xx before the first byte is retried once', async () => {
  const c = client();
  try {
    assert.deepEqual(await (await c.send(call('/500-once'))).json(), { ok: true, key: 'Bearer K' });
    assert.equal(hits.get('/500-once'), 2);
    await assert.rejects(c.send(call('/500-always')), (e: HearthError) => e.code === 'ERR_UPSTREAM' && e.status === 502 && !e.message.includes('SECRET'));
    assert.equal(hits.get('/500-always'), 2);
  } finally { c.close(); }
});

test('429 → ERR_UPSTREAM_RATE_LIMITED with its Retry-After, not retried', async () => {
  const c = client();
  try {
    await assert.rejects(c.send(call('/429')), (e: HearthError) => e.code === 'ERR_UPSTREAM_RATE_LIMITED' && e.headers['retry-after'] === '7' && !e.message.includes('SECRET'));
    assert.equal(hits.get('/429'), 1);
  } finally { c.close(); }
});

test('first-byte timeout, idle timeout, connection cut mid-body', async () => {
  const c = client();
  try {
    await assert.rejects(c.send(call('/stall')), (e: HearthError) => e.code === 'ERR_UPSTREAM_TIMEOUT');
    const idle = await c.send(call('/idle'));
    await assert.rejects((async () => { for await (const _ of idle.text()) { /* reading */ } })(), (e: HearthError) => e.code === 'ERR_UPSTREAM_TIMEOUT');
    const cut = await c.send(call('/cut'));
    await assert.rejects((async () => { for await (const _ of cut.text()) { /* reading */ } })(), (e: HearthError) => e.code === 'ERR_UPSTREAM');
  } finally { c.close(); }
});

test('an abort signal cancels a pending request', async () => {
  const c = client();
  const ac = new AbortController();
  try {
    const p = c.send({ ...call('/stall', ac.signal) });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(p, (e: HearthError) => e.code === 'ERR_CLIENT_CLOSED');
  } finally { c.close(); }
});

test('connection refused → ERR_UPSTREAM naming the upstream only', async () => {
  const c = client();
  const probe = http.createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((r) => probe.close(r));
  try {
    await assert.rejects(c.send({ upstream: 'u', url: new URL(`http://127.0.0.1:${port}/x`), method: 'GET', headers: {} }), (e: HearthError) => e.code === 'ERR_UPSTREAM' && !e.message.includes(String(port)));
  } finally { c.close(); }
});

test('an already-aborted signal sends nothing; a signal aborted while the request waits for a connection sends nothing either', async () => {
  const c = client();
  try {
    const before = hits.get('/ok') ?? 0;
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(c.send(call('/ok', ac.signal)), (e: HearthError) => e.code === 'ERR_CLIENT_CLOSED');
    const late = new AbortController();
    const p = c.send(call('/ok', late.signal));
    late.abort(); // same tick: before undici has written the request
    await assert.rejects(p, (e: HearthError) => e.code === 'ERR_CLIENT_CLOSED');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(hits.get('/ok') ?? 0, before, 'the upstream saw no request');
  } finally { c.close(); }
});

test('a slow reader of a large streamed body gets every byte in order (the body is paused and resumed, not dropped)', async () => {
  const big = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    let i = 0;
    const pump = () => {
      while (i < 4000) {
        const ok = res.write(`data: ${String(i++).padStart(6, '0')} ${'x'.repeat(500)}\n\n`);
        if (!ok) { res.once('drain', pump); return; }
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
  const c = new UpstreamHttpClient({ connectMs: 2000, firstByteMs: 2000, idleMs: 5000 });
  try {
    const res = await c.send({ upstream: 'u', url: new URL(`http://127.0.0.1:${(big.address() as AddressInfo).port}/big`), method: 'GET', headers: {} });
    let text = '';
    let n = 0;
    for await (const chunk of res.text()) {
      text += chunk;
      if (++n % 20 === 0) await new Promise((r) => setTimeout(r, 5)); // a reader slower than the socket
    }
    const ids = [...text.matchAll(/^data: (\d{6}) /gm)].map((m) => Number(m[1]));
    assert.equal(ids.length, 4000);
    assert.ok(ids.every((v, i) => v === i), 'every event, in order');
    assert.ok(text.length > 2_000_000, 'more than the read-ahead window went through');
  } finally { c.close(); big.closeAllConnections(); await new Promise((r) => big.close(r)); }
});
