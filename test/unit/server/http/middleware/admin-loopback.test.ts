import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import os from 'node:os';
import { adminLoopback, isLoopbackAddress } from '../../../../../server/http/middleware/admin-loopback.js';
import { startMiniApp } from './mini-app.js';

function getVia(address: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    http.get({ host: address, port, path: '/admin/status' }, (res) => { res.resume(); resolve(res.statusCode ?? 0); }).on('error', reject);
  });
}

test('isLoopbackAddress', () => {
  assert.ok(isLoopbackAddress('127.0.0.1') && isLoopbackAddress('::1') && isLoopbackAddress('::ffff:127.0.0.5'));
  assert.ok(!isLoopbackAddress('192.168.1.2') && !isLoopbackAddress('::ffff:10.0.0.1') && !isLoopbackAddress(undefined));
});

test('admin routes: loopback passes; a non-loopback peer gets 403 unless adminRemote', async () => {
  const own = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
  const strict = await startMiniApp([adminLoopback({ adminRemote: false })], '0.0.0.0');
  const open = await startMiniApp([adminLoopback({ adminRemote: true })], '0.0.0.0');
  try {
    assert.equal(await getVia('127.0.0.1', strict.port), 200);
    if (own) {
      assert.equal(await getVia(own.address, strict.port), 403);
      assert.equal(await getVia(own.address, open.port), 200);
    }
  } finally { await strict.close(); await open.close(); }
});
