import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import { hostCheck, parseHost } from '../../../../../server/http/middleware/host-check.js';
import { cors } from '../../../../../server/http/middleware/cors.js';
import { startMiniApp, rawRequest, rawStatus } from './mini-app.js';

function request(port: number, host: string, method = 'GET', headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: '/v1/models', method, headers: { host, ...headers }, setHost: false }, (res) => {
      res.resume(); res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject); req.end();
  });
}

const REBINDING = ['evil.example', 'localhost.evil.example', '0.0.0.0', '0.0.0.0:PORT', '127.0.0.1.nip.io', 'attacker.com:PORT', '[::]', 'localhost@evil.example', 'a b'];
const GOOD = ['127.0.0.1', '127.0.0.1:PORT', 'localhost', 'LOCALHOST:PORT', '[::1]:PORT', '[::1]', 'box.lan', 'box.lan:PORT'];

for (const bind of ['127.0.0.1', '0.0.0.0']) {
  test(`host check on a ${bind} bind: rebinding Hosts get 403 before auth, good ones pass; CORS preflight from a foreign origin gets no ACAO`, async () => {
    let port = 0;
    const app = await startMiniApp([hostCheck({ host: bind, port: () => port, allowedHosts: ['box.lan'] }), cors({ origins: ['http://ui.example'] })], bind);
    port = app.port;
    try {
      for (const h of REBINDING) {
        const r = await request(port, h.replace('PORT', String(port)));
        assert.equal(r.status, 403, h);
      }
      for (const h of GOOD) assert.equal((await request(port, h.replace('PORT', String(port)))).status, 200, h);
      // Empty and missing Host (raw bytes: Node's client always sends one).
      assert.equal(rawStatus(await rawRequest(port, 'GET /v1/models HTTP/1.1\r\nHost: \r\nConnection: close\r\n\r\n')), 403);
      const noHost = rawStatus(await rawRequest(port, 'GET /v1/models HTTP/1.0\r\n\r\n'));
      assert.equal(noHost, 403);
      // Preflight from a foreign origin: no Access-Control-Allow-Origin; from a configured one: yes, exactly it.
      const pre = { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' };
      const foreign = await request(port, `127.0.0.1:${port}`, 'OPTIONS', pre);
      assert.equal(foreign.headers['access-control-allow-origin'], undefined);
      const mine = await request(port, `127.0.0.1:${port}`, 'OPTIONS', { ...pre, origin: 'http://ui.example' });
      assert.equal(mine.status, 204);
      assert.equal(mine.headers['access-control-allow-origin'], 'http://ui.example');
      if (bind === '0.0.0.0') {
        const own = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
        if (own) assert.equal((await request(port, `${own.address}:${port}`)).status, 200, 'own interface address accepted on a LAN bind');
      } else {
        const own = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
        if (own) assert.equal((await request(port, `${own.address}:${port}`)).status, 403, 'interface addresses are not accepted on a loopback bind');
      }
    } finally { await app.close(); }
  });
}

test('allowedHosts entries with a port only match that port; parseHost rejects junk', () => {
  assert.deepEqual(parseHost('[::1]:80'), { name: '::1', port: '80' });
  assert.deepEqual(parseHost('Box.LAN.'), { name: 'box.lan', port: undefined });
  assert.equal(parseHost(''), undefined);
  assert.equal(parseHost('a/b'), undefined);
  assert.equal(parseHost('user@host'), undefined);
});

test('allowedHosts name:port refuses other ports', async () => {
  const app = await startMiniApp([hostCheck({ host: '127.0.0.1', port: 1, allowedHosts: ['box.lan:8443'] })]);
  try {
    assert.equal((await request(app.port, 'box.lan:8443')).status, 200);
    assert.equal((await request(app.port, 'box.lan:9000')).status, 403);
  } finally { await app.close(); }
});
