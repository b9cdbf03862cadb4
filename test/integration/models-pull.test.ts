// Pulls from a real HTTP server on 127.0.0.1: progress, sha256, resume with Range after a cut,
// restart when Range is ignored, wrong sha256, 404, hf: with a fake tree API, cancellation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pullModel } from '../../server/models/pull.js';
import { listModels } from '../../server/models/catalog.js';
import { HearthError } from '../../server/errors/catalog.js';
import type { PullProgress } from '../../server/contract/models.js';
import { ensureModel } from '../support/make-model.js';
import { hostileBytes } from '../unit/server/models/hostile-gguf.js';

const model = readFileSync(ensureModel('tiny'));
const sha = createHash('sha256').update(model).digest('hex');
const CHUNK = 16 * 1024;
const requests: { url: string; range: string | undefined }[] = [];
const cutDone = new Set<string>();
const sockets = new Set<Socket>();
let server: http.Server;
let base: string;
let tmp: string;

/** Writes `body` in small chunks; cuts the connection after `cutAt` bytes when given. */
function send(res: http.ServerResponse, body: Buffer, cutAt?: number, stall?: boolean): void {
  let off = 0;
  const step = () => {
    if (res.destroyed) return;
    if (cutAt !== undefined && off >= cutAt) { if (!stall) res.socket?.destroy(); return; }
    const end = Math.min(body.length, off + CHUNK, cutAt ?? Infinity);
    res.write(body.subarray(off, end));
    off = end;
    if (off >= body.length) { res.end(); return; }
    setImmediate(step);
  };
  step();
}

function serveFile(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, opts: { range: boolean; cutFirst?: boolean; stall?: boolean }): void {
  const key = req.url!;
  const cut = opts.cutFirst && !cutDone.has(key) ? Math.floor(body.length * 0.4) : undefined;
  if (cut !== undefined) cutDone.add(key);
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  if (opts.range && m) {
    const start = Number(m[1]);
    res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, etag: '"v1"', 'accept-ranges': 'bytes' });
    send(res, body.subarray(start));
    return;
  }
  res.writeHead(200, { 'content-length': body.length, etag: '"v1"', ...(opts.range ? { 'accept-ranges': 'bytes' } : {}) });
  send(res, body, opts.stall ? Math.floor(body.length * 0.4) : cut, opts.stall);
}

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-pull-'));
  server = http.createServer((req, res) => {
    requests.push({ url: req.url!, range: req.headers.range });
    const u = req.url!;
    if (u === '/tiny.gguf') return serveFile(req, res, model, { range: true });
    if (u === '/cut.gguf') return serveFile(req, res, model, { range: true, cutFirst: true });
    if (u === '/norange-cut.gguf') return serveFile(req, res, model, { range: false, cutFirst: true });
    if (u === '/stall.gguf') return serveFile(req, res, model, { range: true, stall: true });
    if (u === '/hostile.gguf') return serveFile(req, res, hostileBytes('tensor-past-eof').bytes, { range: true });
    if (u === '/api/models/acme/tiny-GGUF/tree/main') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ type: 'file', path: 'README.md', size: 10 }, { type: 'file', path: 'tiny-q.gguf', size: model.length, lfs: { oid: sha, size: model.length } }]));
      return;
    }
    if (u === '/api/models/acme/liar-GGUF/tree/main') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify([{ type: 'file', path: 'tiny-q.gguf', size: model.length, lfs: { oid: 'a'.repeat(64), size: model.length } }]));
      return;
    }
    if (u === '/acme/tiny-GGUF/resolve/main/tiny-q.gguf' || u === '/acme/liar-GGUF/resolve/main/tiny-q.gguf') return serveFile(req, res, model, { range: true });
    res.writeHead(404, { 'content-type': 'text/plain' }); res.end('not found');
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

function dir(name: string): string { return path.join(tmp, name); }
function assertMonotonic(events: PullProgress[], total: number): void {
  assert.ok(events.length >= 2, `several progress events (got ${events.length})`);
  for (let i = 1; i < events.length; i++) assert.ok(events[i]!.bytes >= events[i - 1]!.bytes, `monotonic at ${i}: ${events[i - 1]!.bytes} → ${events[i]!.bytes}`);
  const last = events.at(-1)!;
  assert.equal(last.bytes, total); assert.equal(last.total, total);
  for (const e of events) { assert.ok(e.speedBps >= 0); assert.ok(e.etaS === null || e.etaS >= 0); }
}
const isCode = (code: string, msg?: RegExp) => (e: unknown) => e instanceof HearthError && e.code === code && (!msg || msg.test(e.message));

test('a pull reports rising progress to the total, checks the sha256, and registers the model', async () => {
  const d = dir('ok');
  const events: PullProgress[] = [];
  const r = await pullModel({ source: `${base}/tiny.gguf`, modelsDir: d, sha256: sha.toUpperCase(), onProgress: (p) => events.push(p), progressIntervalMs: 0 });
  assert.equal(r.name, 'tiny'); assert.equal(r.sha256, sha); assert.equal(r.size, model.length);
  assertMonotonic(events, model.length);
  assert.deepEqual(readFileSync(r.file), model);
  const list = await listModels(d, { readMetadata: async () => ({ architecture: 'llama', hasChatTemplate: true }) });
  assert.deepEqual(list.map((m) => [m.name, m.valid]), [['tiny', true]]);
  assert.deepEqual(readdirSync(d), ['tiny.gguf']);
  await assert.rejects(pullModel({ source: `${base}/tiny.gguf`, modelsDir: d }), isCode('ERR_CONFLICT'));
});

test('a connection cut at about 40% resumes with Range and completes', async () => {
  const d = dir('cut');
  const events: PullProgress[] = [];
  const r = await pullModel({ source: `${base}/cut.gguf`, modelsDir: d, sha256: sha, name: 'resumed', onProgress: (p) => events.push(p), progressIntervalMs: 0 });
  assert.deepEqual(readFileSync(r.file), model);
  assertMonotonic(events, model.length);
  const reqs = requests.filter((q) => q.url === '/cut.gguf');
  assert.equal(reqs.length, 2);
  assert.equal(reqs[0]!.range, undefined);
  const resumedAt = Number(/^bytes=(\d+)-$/.exec(reqs[1]!.range ?? '')?.[1]);
  assert.ok(resumedAt > 0 && resumedAt <= Math.ceil(model.length * 0.4), `resumed at ${resumedAt}`);
});

test('a server that ignores Range makes the pull restart from zero, still monotonic', async () => {
  const d = dir('norange');
  const events: PullProgress[] = [];
  const r = await pullModel({ source: `${base}/norange-cut.gguf`, modelsDir: d, sha256: sha, onProgress: (p) => events.push(p), progressIntervalMs: 0 });
  assert.equal(r.name, 'norange-cut');
  assert.deepEqual(readFileSync(r.file), model);
  assertMonotonic(events, model.length);
  const reqs = requests.filter((q) => q.url === '/norange-cut.gguf');
  assert.equal(reqs.length, 2); assert.match(reqs[1]!.range ?? '', /^bytes=\d+-$/);
});

test('a wrong sha256 leaves nothing registered and no partial file', async () => {
  const d = dir('badsha');
  await assert.rejects(pullModel({ source: `${base}/tiny.gguf`, modelsDir: d, sha256: 'b'.repeat(64) }), isCode('ERR_CHECKSUM', /expected sha256 b{64}, got [0-9a-f]{64}/));
  assert.deepEqual(readdirSync(d), []);
  assert.deepEqual(await listModels(d), []);
});

test('a 404 gives a clear error and leaves nothing', async () => {
  const d = dir('missing');
  await assert.rejects(pullModel({ source: `${base}/missing.gguf`, modelsDir: d }), isCode('ERR_PULL_FAILED', /404 Not Found/));
  assert.deepEqual(readdirSync(d), []);
});

test('a downloaded file that fails pre-validation is discarded', async () => {
  const d = dir('hostile');
  await assert.rejects(pullModel({ source: `${base}/hostile.gguf`, modelsDir: d }), isCode('ERR_MODEL_INVALID', /extends past end of file/));
  assert.deepEqual(readdirSync(d), []);
});

test('hf: sources resolve against HEARTH_HF_ENDPOINT and verify the tree API sha256', async () => {
  const d = dir('hf');
  process.env.HEARTH_HF_ENDPOINT = base;
  try {
    const r = await pullModel({ source: 'hf:acme/tiny-GGUF/tiny-q.gguf', modelsDir: d });
    assert.equal(r.name, 'tiny-q'); assert.equal(r.sha256, sha);
    assert.ok(requests.some((q) => q.url === '/api/models/acme/tiny-GGUF/tree/main'));
    // The API's sha256 is enforced: a lying tree API fails the pull.
    await assert.rejects(pullModel({ source: 'hf:acme/liar-GGUF/tiny-q.gguf', modelsDir: d, name: 'liar' }), isCode('ERR_CHECKSUM'));
    assert.deepEqual(readdirSync(d), ['tiny-q.gguf']);
  } finally { delete process.env.HEARTH_HF_ENDPOINT; }
});

test('a pull can be cancelled; the partial file is removed', async () => {
  const d = dir('cancel');
  const ac = new AbortController();
  let partialSeen = false;
  await assert.rejects(pullModel({
    source: `${base}/stall.gguf`, modelsDir: d, signal: ac.signal, progressIntervalMs: 0,
    onProgress: (p) => { if (p.bytes >= CHUNK && !ac.signal.aborted) { partialSeen = readdirSync(d).includes('stall.gguf.partial'); ac.abort(); } },
  }), isCode('ERR_PULL_CANCELLED'));
  assert.equal(partialSeen, true, 'the download went to a .partial file');
  assert.deepEqual(readdirSync(d), []);
});

test('bad sources and names are refused before anything is written', async () => {
  const d = dir('refused');
  await assert.rejects(pullModel({ source: 'file:///etc/passwd', modelsDir: d }), isCode('ERR_VALIDATION'));
  await assert.rejects(pullModel({ source: `${base}/x%00.gguf`, modelsDir: d }), isCode('ERR_MODEL_NAME'));
  await assert.rejects(pullModel({ source: `${base}/tiny.gguf`, modelsDir: d, name: '../x' }), isCode('ERR_MODEL_NAME'));
  await assert.rejects(pullModel({ source: `${base}/%2e%2e%2fx.gguf`, modelsDir: d }), isCode('ERR_MODEL_NAME'));
  assert.throws(() => readdirSync(d), /ENOENT/, 'the models dir was not even created');
});
