import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { authenticate, requireAdmin } from '../../../../../server/http/middleware/auth.js';
import { KeyStore } from '../../../../../server/auth/key-store.js';
import { startMiniApp, rawRequest, rawStatus, type MiniApp } from './mini-app.js';

const ADMIN = 'admin-token-for-tests-0123456789abcdef';
let dir: string; let store: KeyStore; let app: MiniApp; let adminApp: MiniApp; let key: string;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-auth-'));
  store = KeyStore.open(dir, { pollMs: 100 });
  key = (await store.create({ name: 'user', rpm: 5 })).key;
  app = await startMiniApp([authenticate({ adminToken: ADMIN, keyStore: store })]);
  adminApp = await startMiniApp([authenticate({ adminToken: ADMIN, keyStore: store }), requireAdmin]);
});
after(async () => { await app.close(); await adminApp.close(); await store.close(); fs.rmSync(dir, { recursive: true, force: true }); });

async function get(p: string, headers: Record<string, string> = {}, base = app.url) {
  const r = await fetch(base + p, { headers });
  return { status: r.status, headers: r.headers, body: await r.json() as Record<string, unknown> };
}

test('no token: 401 with WWW-Authenticate, in the path dialect', async () => {
  const r = await get('/v1/chat/completions');
  assert.equal(r.status, 401);
  assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="hearth"');
  assert.equal((r.body.error as { code: string }).code, 'invalid_api_key');
  const o = await get('/api/tags');
  assert.equal(o.status, 401);
  assert.equal(typeof o.body.error, 'string');
  const a = await get('/v1/messages');
  assert.equal(a.body.type, 'error');
});

test('wrong, empty Bearer, Basic, 10 KB and malformed tokens: 401, never 500', async () => {
  const cases: Record<string, string>[] = [
    { authorization: 'Bearer hth_' + 'A'.repeat(43) },
    { authorization: 'Bearer ' + ADMIN + 'x' },
    { authorization: 'Bearer ' },
    { authorization: 'Bearer' },
    { authorization: 'Basic ' + Buffer.from(`user:${key}`).toString('base64') },
    { authorization: 'Bearer ' + 'a'.repeat(10 * 1024) },
    { 'x-api-key': 'k'.repeat(10 * 1024) },
    { 'x-api-key': '' },
    { authorization: `Token ${key}` },
    { authorization: `Bearer ${key} extra` },
  ];
  for (const h of cases) {
    const r = await get('/v1/models', h);
    assert.equal(r.status, 401, JSON.stringify(h).slice(0, 80));
    assert.ok(!JSON.stringify(r.body).includes(key));
  }
});

test('a CRLF in the Authorization header: 401 (or a 400 from the HTTP parser), never 500 or 200', async () => {
  const a = await rawRequest(app.port, `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \r\n${key}\r\nConnection: close\r\n\r\n`);
  assert.ok([400, 401].includes(rawStatus(a)), a.slice(0, 40));
  const b = await rawRequest(app.port, `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \r\nX-Injected: ${key}\r\nConnection: close\r\n\r\n`);
  assert.equal(rawStatus(b), 401);
  const c = await rawRequest(app.port, `GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\rX: y\r\nConnection: close\r\n\r\n`);
  assert.ok([400, 401].includes(rawStatus(c)), c.slice(0, 40));
});

test('a token in the query string is not accepted', async () => {
  for (const q of ['api_key', 'key', 'token', 'access_token']) {
    assert.equal((await get(`/v1/models?${q}=${encodeURIComponent(key)}`)).status, 401);
  }
});

test('valid tokens: Bearer or x-api-key; principal carries name and limits, never the key', async () => {
  const r = await get('/v1/models', { authorization: `Bearer ${key}` });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body.principal, { kind: 'key', id: store.verify(key)!.id, name: 'user', limits: { rpm: 5 }, allowSpill: false });
  assert.equal((await get('/v1/messages', { 'x-api-key': key })).status, 200);
  assert.deepEqual((await get('/v1/models', { authorization: `bearer ${ADMIN}` })).body.principal, { kind: 'admin' });
});

test('requireAdmin: an API key gets 403, the admin token passes, nothing gets 401', async () => {
  assert.equal((await get('/admin/keys', { authorization: `Bearer ${key}` }, adminApp.url)).status, 403);
  assert.equal((await get('/admin/keys', { authorization: `Bearer ${ADMIN}` }, adminApp.url)).status, 200);
  assert.equal((await get('/admin/keys', {}, adminApp.url)).status, 401);
});

test('a key revoked by another process gets 401 within 1 s', async () => {
  const { key: k2 } = await store.create({ name: 'short-lived' });
  assert.equal((await get('/v1/models', { authorization: `Bearer ${k2}` })).status, 200);
  const other = KeyStore.open(dir, { watch: false });
  await other.revoke('short-lived');
  await other.close();
  let status = 0;
  for (let i = 0; i < 20; i++) { status = (await get('/v1/models', { authorization: `Bearer ${k2}` })).status; if (status === 401) break; await sleep(50); }
  assert.equal(status, 401);
});
