// Tests for the streaming guards: heartbeats (mocked timers) and backpressure-aware writes against a
// real HTTP server on 127.0.0.1 with clients that read, stop reading, or go away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHeartbeat, writeWithBackpressure } from '../../../../server/scheduler/stream-guard.js';
import { HearthError } from '../../../../server/errors/catalog.js';

test('heartbeat sends every interval while started, touch postpones it, stop ends it', (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let sent = 0;
  const hb = createHeartbeat({ intervalMs: 1000, send: () => { sent++; } });
  t.mock.timers.tick(5000);
  assert.equal(sent, 0, 'nothing before start');
  hb.start();
  hb.start(); // idempotent: one timer only
  assert.equal(hb.running, true);
  t.mock.timers.tick(3000);
  assert.equal(sent, 3);
  t.mock.timers.tick(900);
  hb.touch(); // real data went out: the next beat is a full interval away
  t.mock.timers.tick(900);
  assert.equal(sent, 3);
  t.mock.timers.tick(100);
  assert.equal(sent, 4);
  hb.stop();
  assert.equal(hb.running, false);
  t.mock.timers.tick(10_000);
  assert.equal(sent, 4);
});

test('heartbeat skips beats while a send is still pending and stops when a send fails', async (t) => {
  t.mock.timers.enable({ apis: ['setInterval'] });
  let calls = 0;
  let release!: () => void;
  const hb = createHeartbeat({ intervalMs: 100, send: () => { calls++; return new Promise<void>((r) => { release = r; }); } });
  hb.start();
  t.mock.timers.tick(500);
  assert.equal(calls, 1, 'beats do not pile up behind a pending send');
  release();
  await Promise.resolve(); await Promise.resolve();
  t.mock.timers.tick(100);
  assert.equal(calls, 2);
  hb.stop();

  let failing = 0;
  const bad = createHeartbeat({ intervalMs: 100, send: () => { failing++; throw new Error('socket gone'); } });
  bad.start();
  t.mock.timers.tick(1000);
  assert.equal(failing, 1);
  assert.equal(bad.running, false);
});

interface Served { url: URL; port: number; server: http.Server; close(): Promise<void> }
async function serve(handler: http.RequestListener): Promise<Served> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: new URL(`http://127.0.0.1:${port}/`), port, server,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

const CHUNK = Buffer.alloc(64 * 1024, 0x61);
/** Upper bound on chunks a handler writes, so a loop can never run away. */
const MAX_CHUNKS = 4000; // 256 MiB: far beyond any kernel socket buffer on loopback

test('a client that stops reading is destroyed at the stall timeout and buffered bytes stay bounded', async () => {
  let outcome!: (v: { err: unknown; chunks: number; maxBuffered: number; hwm: number; destroyed: boolean }) => void;
  const done = new Promise<Parameters<typeof outcome>[0]>((r) => { outcome = r; });
  const srv = await serve(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    let maxBuffered = 0; let chunks = 0; let err: unknown;
    try {
      for (; chunks < MAX_CHUNKS; chunks++) {
        await writeWithBackpressure(res, CHUNK, { stallMs: 300 });
        maxBuffered = Math.max(maxBuffered, res.writableLength);
      }
    } catch (e) { err = e; }
    maxBuffered = Math.max(maxBuffered, res.writableLength);
    outcome({ err, chunks, maxBuffered, hwm: res.writableHighWaterMark, destroyed: res.destroyed });
  });
  const sock = net.connect(srv.port, '127.0.0.1');
  try {
    await new Promise<void>((r, j) => { sock.once('connect', () => r()); sock.once('error', j); });
    sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`);
    sock.pause(); // never read: the kernel buffers fill, then res.write returns false
    const r = await done;
    assert.ok(r.err instanceof HearthError, `expected a stall error, got ${String(r.err)}`);
    assert.equal(r.err.code, 'ERR_CLIENT_STALLED');
    assert.equal(r.destroyed, true, 'the response is destroyed');
    assert.ok(r.chunks < MAX_CHUNKS, 'the writer stopped on the stall, not on the loop bound');
    assert.ok(r.maxBuffered <= r.hwm + CHUNK.length, `buffered ${r.maxBuffered} <= ${r.hwm} + one chunk`);
  } finally {
    sock.destroy();
    await srv.close();
  }
});

test('a reading client receives every byte in order; writes after the response ends are refused', async () => {
  const total = 200;
  let after!: (e: unknown) => void;
  const afterEnd = new Promise<unknown>((r) => { after = r; });
  const srv = await serve(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    for (let i = 0; i < total; i++) await writeWithBackpressure(res, Buffer.alloc(16 * 1024, i % 256), { stallMs: 5000 });
    res.end();
    after(await writeWithBackpressure(res, 'x', { stallMs: 5000 }).then(() => undefined, (e: unknown) => e));
  });
  try {
    const body = Buffer.from(await (await fetch(srv.url)).arrayBuffer());
    assert.equal(body.length, total * 16 * 1024);
    for (let i = 0; i < total; i++) assert.equal(body[i * 16 * 1024], i % 256);
    const e = await afterEnd;
    assert.ok(e instanceof HearthError && e.code === 'ERR_CLIENT_CLOSED');
  } finally {
    await srv.close();
  }
});

test('an abort while waiting for drain rejects with the signal reason, and a closed client rejects ERR_CLIENT_CLOSED', async () => {
  const ac = new AbortController();
  let outcome!: (e: unknown) => void;
  const result = new Promise<unknown>((r) => { outcome = r; });
  let waiting!: () => void;
  const blocked = new Promise<void>((r) => { waiting = r; });
  const srv = await serve(async (_req, res) => {
    res.writeHead(200);
    try {
      for (let i = 0; i < MAX_CHUNKS; i++) {
        // The synchronous part of the call has written; if the buffer is now full it waits for drain.
        const w = writeWithBackpressure(res, CHUNK, { stallMs: 60_000, signal: ac.signal });
        if (res.writableNeedDrain) waiting();
        await w;
      }
      outcome(new Error('loop bound reached'));
    } catch (e) { outcome(e); }
  });
  const sock = net.connect(srv.port, '127.0.0.1');
  try {
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv.port}\r\n\r\n`);
    sock.pause();
    await blocked;
    ac.abort(new HearthError('ERR_DEADLINE'));
    const e = await result;
    assert.ok(e instanceof HearthError && e.code === 'ERR_DEADLINE', `got ${String(e)}`);
  } finally {
    sock.destroy();
    await srv.close();
  }

  // The client goes away while the writer waits for drain.
  let closedOutcome!: (e: unknown) => void;
  const closedResult = new Promise<unknown>((r) => { closedOutcome = r; });
  let stuck!: () => void;
  const isStuck = new Promise<void>((r) => { stuck = r; });
  const srv2 = await serve(async (_req, res) => {
    res.writeHead(200);
    try {
      for (let i = 0; i < MAX_CHUNKS; i++) {
        // The synchronous part of the call has written; if the buffer is now full it waits for drain.
        const w = writeWithBackpressure(res, CHUNK, { stallMs: 60_000 });
        if (res.writableNeedDrain) stuck();
        await w;
      }
      closedOutcome(new Error('loop bound reached'));
    } catch (e) { closedOutcome(e); }
  });
  const sock2 = net.connect(srv2.port, '127.0.0.1');
  try {
    await new Promise<void>((r) => sock2.once('connect', () => r()));
    sock2.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${srv2.port}\r\n\r\n`);
    sock2.pause();
    await isStuck;
    sock2.destroy();
    const e = await closedResult;
    assert.ok(e instanceof HearthError && e.code === 'ERR_CLIENT_CLOSED', `got ${String(e)}`);
  } finally {
    sock2.destroy();
    await srv2.close();
  }
});

test('heartbeats over a real SSE response reach the client', async () => {
  let stopHb!: () => void;
  const srv = await serve((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const hb = createHeartbeat({ intervalMs: 10, send: () => writeWithBackpressure(res, ': keep-alive\n\n', { stallMs: 5000 }) });
    stopHb = () => { hb.stop(); res.end('data: [DONE]\n\n'); };
    res.on('close', () => hb.stop());
    hb.start();
  });
  try {
    const resp = await fetch(srv.url);
    const reader = resp.body!.getReader();
    let text = '';
    const dec = new TextDecoder();
    for (let i = 0; i < 1000 && (text.match(/: keep-alive/g) ?? []).length < 3; i++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
    assert.ok((text.match(/: keep-alive\n\n/g) ?? []).length >= 3);
    stopHb();
    for (let i = 0; i < 1000; i++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += dec.decode(value, { stream: true });
    }
    assert.ok(text.endsWith('data: [DONE]\n\n'));
  } finally {
    await srv.close();
  }
});
