import { test } from 'node:test';
import assert from 'node:assert/strict';
import { requestId } from '../../../../../server/http/middleware/request-id.js';
import { startMiniApp } from './mini-app.js';

test('X-Request-Id: a valid one is echoed, an invalid or missing one is replaced', async () => {
  const app = await startMiniApp([requestId()]);
  try {
    const ok = await fetch(app.url + '/x', { headers: { 'x-request-id': 'abc-123_X.y' } });
    assert.equal(ok.headers.get('x-request-id'), 'abc-123_X.y');
    for (const bad of ['a'.repeat(129), 'has space', '<script>', 'ü']) {
      const r = await fetch(app.url + '/x', { headers: { 'x-request-id': encodeURIComponent(bad) === bad ? bad : bad.replace(/[^\x20-\x7e]/g, '%') } });
      const id = r.headers.get('x-request-id')!;
      assert.notEqual(id, bad);
      assert.match(id, /^[A-Za-z0-9._-]{1,128}$/);
    }
    const none = await fetch(app.url + '/x');
    assert.match(none.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
  } finally { await app.close(); }
});
