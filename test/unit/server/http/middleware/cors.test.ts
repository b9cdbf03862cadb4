import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cors } from '../../../../../server/http/middleware/cors.js';
import { startMiniApp } from './mini-app.js';

const preflight = (origin: string) => ({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

test('CORS is off without configured origins: nothing is reflected', async () => {
  const app = await startMiniApp([cors({ origins: [] })]);
  try {
    const r = await fetch(app.url + '/v1/chat/completions', preflight('http://evil.example'));
    assert.equal(r.headers.get('access-control-allow-origin'), null);
    const g = await fetch(app.url + '/v1/models', { headers: { origin: 'http://evil.example' } });
    assert.equal(g.headers.get('access-control-allow-origin'), null);
  } finally { await app.close(); }
});

test('configured origins: only they get ACAO and a preflight answer; others are never reflected', async () => {
  const app = await startMiniApp([cors({ origins: ['http://ui.example', 'https://b.example/'] })]);
  try {
    const ok = await fetch(app.url + '/v1/chat/completions', preflight('http://ui.example'));
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'http://ui.example');
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /authorization/);
    assert.equal((await fetch(app.url + '/x', preflight('https://b.example'))).headers.get('access-control-allow-origin'), 'https://b.example');
    for (const o of ['http://evil.example', 'http://ui.example.evil.example', 'null', 'http://ui.example:81']) {
      const r = await fetch(app.url + '/v1/chat/completions', preflight(o));
      assert.equal(r.headers.get('access-control-allow-origin'), null, o);
      assert.notEqual(r.status, 204);
    }
    const g = await fetch(app.url + '/v1/models', { headers: { origin: 'http://ui.example' } });
    assert.equal(g.headers.get('access-control-allow-origin'), 'http://ui.example');
    assert.match(g.headers.get('access-control-expose-headers') ?? '', /retry-after/);
  } finally { await app.close(); }
});
