// Issue 4, acceptance 2, against a real `hearth serve`: DNS-rebinding Host values get 403 before
// auth, and a CORS preflight from a foreign origin gets no Access-Control-Allow-Origin — on the
// default loopback bind and on a `--host 0.0.0.0` bind (connecting to 127.0.0.1 only); with
// `--cors-origins` only the configured origin is allowed, a foreign one is never reflected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHearth, type Hearth } from '../support/server.js';
import { rawExchange, rawRequest, type RawResponse } from '../support/raw-http.js';

const REBINDING_HOSTS = ['evil.example', '', '0.0.0.0', 'localhost.evil.example', '127.0.0.1.nip.io', 'evil.example:PORT', '0.0.0.0:PORT', 'localhost.evil.example:PORT', '127.0.0.1.nip.io:PORT', '[::]:PORT', 'localhost@evil.example', '127.0.0.1 evil.example'];
const GOOD_HOSTS = ['127.0.0.1:PORT', 'localhost:PORT', '127.0.0.1', 'localhost', 'LOCALHOST:PORT', '[::1]:PORT'];

const send = (h: Hearth, method: string, path: string, lines: string[]): Promise<RawResponse> => rawExchange(h.port, rawRequest(method, path, lines));
const hostLine = (h: Hearth, v: string) => `Host: ${v.replace('PORT', String(h.port))}`;

async function assertRebindingRefused(h: Hearth): Promise<void> {
  for (const v of REBINDING_HOSTS) {
    for (const auth of [[], [`Authorization: Bearer ${h.adminToken}`]]) {
      const label = `Host "${v}" ${auth.length ? 'with' : 'without'} the admin token`;
      const r = await send(h, 'GET', '/v1/models', [hostLine(h, v), ...auth]);
      // 403 before auth: without a token it is still 403, not 401.
      assert.equal(r.status, 403, `${label}: ${r.raw.slice(0, 200)}`);
      assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'host_not_allowed', label);
      assert.equal(r.headers['www-authenticate'], undefined, `${label}: refused before auth`);
    }
    const a = await send(h, 'POST', '/api/chat', [hostLine(h, v)]);
    assert.equal(a.status, 403, `/api/chat with Host "${v}"`);
    assert.equal(typeof (JSON.parse(a.body) as { error: unknown }).error, 'string', 'ollama dialect');
    const admin = await send(h, 'GET', '/admin/status', [hostLine(h, v), `Authorization: Bearer ${h.adminToken}`]);
    assert.equal(admin.status, 403, `/admin/status with Host "${v}"`);
  }
  for (const v of GOOD_HOSTS) {
    const r = await send(h, 'GET', '/v1/models', [hostLine(h, v), `Authorization: Bearer ${h.adminToken}`]);
    assert.equal(r.status, 200, `Host "${v}" is allowed`);
    const anon = await send(h, 'GET', '/v1/models', [hostLine(h, v)]);
    assert.equal(anon.status, 401, `Host "${v}" without a token reaches auth`);
  }
}

async function assertNoForeignCors(h: Hearth, origin = 'http://evil.example'): Promise<void> {
  for (const path of ['/v1/chat/completions', '/v1/models', '/v1/messages', '/api/chat', '/admin/keys', '/metrics']) {
    const pre = await send(h, 'OPTIONS', path, [hostLine(h, '127.0.0.1:PORT'), `Origin: ${origin}`, 'Access-Control-Request-Method: POST', 'Access-Control-Request-Headers: authorization, content-type']);
    assert.ok(pre.status > 0 && pre.status < 500, `preflight ${path}: ${pre.status}`);
    assert.equal(pre.headers['access-control-allow-origin'], undefined, `preflight ${path} from ${origin}: ${pre.raw.slice(0, 300)}`);
    assert.equal(pre.headers['access-control-allow-credentials'], undefined);
    const get = await send(h, 'GET', path, [hostLine(h, '127.0.0.1:PORT'), `Origin: ${origin}`, `Authorization: Bearer ${h.adminToken}`]);
    assert.equal(get.headers['access-control-allow-origin'], undefined, `GET ${path} from ${origin}`);
  }
}

test('loopback bind (the default): rebinding Hosts get 403 before auth; no CORS for a foreign origin', async () => {
  await using h = await startHearth({ model: false });
  assert.match(h.url, /^http:\/\/127\.0\.0\.1:/);
  await assertRebindingRefused(h);
  await assertNoForeignCors(h);
});

test('--host 0.0.0.0 (LAN mode): the same Hosts are still refused, and still no CORS', async () => {
  await using h = await startHearth({ model: false, args: ['--host', '0.0.0.0'] });
  await assertRebindingRefused(h);
  await assertNoForeignCors(h);
  await assertNoForeignCors(h, 'null');
});

test('--cors-origins http://ok.example: that origin is allowed, a foreign one is never reflected', async () => {
  await using h = await startHearth({ model: false, args: ['--cors-origins', 'http://ok.example'] });
  const host = hostLine(h, '127.0.0.1:PORT');
  const pre = await send(h, 'OPTIONS', '/v1/chat/completions', [host, 'Origin: http://ok.example', 'Access-Control-Request-Method: POST', 'Access-Control-Request-Headers: authorization, content-type']);
  assert.ok(pre.status === 204 || pre.status === 200, `preflight: ${pre.status}`);
  assert.equal(pre.headers['access-control-allow-origin'], 'http://ok.example');
  assert.match(pre.headers['access-control-allow-methods'] ?? '', /POST/);
  assert.match(pre.headers['access-control-allow-headers'] ?? '', /authorization/i);
  const get = await send(h, 'GET', '/v1/models', [host, 'Origin: http://ok.example', `Authorization: Bearer ${h.adminToken}`]);
  assert.equal(get.status, 200);
  assert.equal(get.headers['access-control-allow-origin'], 'http://ok.example');
  for (const foreign of ['http://evil.example', 'http://ok.example.evil.example', 'https://ok.example', 'http://ok.example:8080', 'null']) {
    await assertNoForeignCors(h, foreign);
  }
  // The Host check still runs first, whatever the origin.
  const evil = await send(h, 'GET', '/v1/models', ['Host: evil.example', 'Origin: http://ok.example', `Authorization: Bearer ${h.adminToken}`]);
  assert.equal(evil.status, 403);
});
