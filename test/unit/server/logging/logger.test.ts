import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { RequestHandler } from 'express';
import { fileURLToPath } from 'node:url';
import { createLogger, requestLogger, redactDeep } from '../../../../server/logging/logger.js';
import { authenticate } from '../../../../server/http/middleware/auth.js';
import { requestId } from '../../../../server/http/middleware/request-id.js';
import { KeyStore } from '../../../../server/auth/key-store.js';
import { startMiniApp } from '../http/middleware/mini-app.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const ADMIN = 'canary-admin-token-5f4e3d2c1b0a9988';
const UPSTREAM = 'sk-canary-upstream-00112233445566778899';

function collector() {
  const chunks: string[] = [];
  const stream = new Writable({ write(c, _e, cb) { chunks.push(String(c)); cb(); } });
  return { stream, text: () => chunks.join('') };
}

test('canary: a request made with a key and logged, and secrets logged in any shape, never show up in the log', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-log-'));
  const store = KeyStore.open(dir, { watch: false });
  const out = collector();
  const logger = createLogger({ level: 'debug', stderr: false, destination: out.stream as never });
  try {
    const { key } = await store.create({ name: 'canary' });
    const app = await startMiniApp([requestId(), requestLogger(logger), authenticate({ adminToken: ADMIN, keyStore: store })]);
    try {
      await (await fetch(`${app.url}/v1/models?api_key=${key}`, { headers: { authorization: `Bearer ${key}`, 'x-request-id': 'rid-1' } })).text();
      await (await fetch(`${app.url}/v1/models`, { headers: { 'x-api-key': key + 'x' } })).text();
      await (await fetch(`${app.url}/admin/x`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
      // A key where the access line carries text from the client: the request id and the path.
      await (await fetch(`${app.url}/v1/${key}`, { headers: { 'x-request-id': key } })).text();
    } finally { await app.close(); }
    logger.info({ req: { headers: { authorization: `Bearer ${key}`, 'x-api-key': key, cookie: `s=${key}` } } }, 'headers');
    logger.info({ upstream: { name: 'oa', apiKey: UPSTREAM }, deep: { a: { b: { c: { token: ADMIN, list: [key] } } } } }, 'nested');
    logger.warn(`message with ${key} inside`);
    logger.info('interpolated %s', key);
    logger.error({ err: new Error(`failed for ${key}`) }, 'err');
    logger.info({ headers: { Authorization: `Basic ${Buffer.from('u:' + ADMIN).toString('base64')}` } }, 'basic');
    await new Promise((r) => setImmediate(r));
    const text = out.text();
    for (const secret of [key, key.slice(4), ADMIN, UPSTREAM, Buffer.from('u:' + ADMIN).toString('base64')]) assert.ok(!text.includes(secret), `leaked ${secret.slice(0, 10)}…`);
    const lines = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const access = lines.filter((l) => l.msg === 'request');
    assert.equal(access.length, 4);
    assert.deepEqual({ ...access[0], time: 0, pid: 0, latencyMs: 0, hostname: 0 }, { level: 30, time: 0, pid: 0, hostname: 0, latencyMs: 0, reqId: 'rid-1', method: 'GET', path: '/v1/models', status: 200, keyName: 'canary', msg: 'request' });
    assert.equal(access[1]!.status, 401);
    assert.equal(access[2]!.keyName, 'admin');
    assert.deepEqual([access[3]!.reqId, access[3]!.path], ['[redacted]', '/v1/[redacted]']);
    assert.equal(JSON.stringify(redactDeep({ name: 'canary', apiKey: { set: true } })), '{"name":"canary","apiKey":"[redacted]"}');
  } finally { await store.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});

test('the logger writes to stderr and <data-dir>/logs/hearth.log, never to stdout', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-log-'));
  try {
    const script = path.join(dir, 'child.mjs');
    fs.writeFileSync(script, `import { createLogger } from ${JSON.stringify(path.join(ROOT, 'server/logging/logger.ts'))};
const l = createLogger({ level: 'info', dataDir: ${JSON.stringify(dir)} });
l.info({ a: 1 }, 'to-stderr-and-file'); l.flush(); setTimeout(() => {}, 200);`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /to-stderr-and-file/);
    const file = fs.readFileSync(path.join(dir, 'logs', 'hearth.log'), 'utf8');
    assert.match(file, /to-stderr-and-file/);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('the access line marks a request whose client left before the answer as aborted, and only that one', async () => {
  const out = collector();
  const logger = createLogger({ level: 'info', stderr: false, destination: out.stream as never });
  const hang: RequestHandler = (req, _res, next) => { if (req.path !== '/hang') next(); }; // never answers /hang
  const app = await startMiniApp([requestId(), requestLogger(logger), hang]);
  try {
    await (await fetch(`${app.url}/ok`)).text();
    const ac = new AbortController();
    const gone = fetch(`${app.url}/hang`, { signal: ac.signal }).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await gone;
    const lines = () => out.text().trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    for (let i = 0; i < 100 && lines().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    const byPath = Object.fromEntries(lines().map((l) => [l.path, l]));
    assert.equal(byPath['/ok']!.aborted, undefined);
    assert.equal(byPath['/hang']!.aborted, true);
  } finally { await app.close(); }
});
