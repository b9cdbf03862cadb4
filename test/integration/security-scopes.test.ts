// Issue 4, acceptance 4, against a real `hearth serve`: an API key gets 403 on every admin route
// and on /metrics (read from the route table at test time); a key revoked with `hearth keys revoke`
// gets 401 within 1 s on the running server, on all three dialects; a key revoked through
// DELETE /admin/keys/:name at once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHearth, runCli, type Hearth } from '../support/server.js';
import { authenticatedRoutes } from '../support/route-table.js';

let h: Hearth;

before(async () => { h = await startHearth({ model: false }); });
after(async () => { await h?.[Symbol.asyncDispose](); });

async function cliKey(name: string): Promise<string> {
  const r = await runCli(['keys', 'create', '--name', name, '--data-dir', h.dataDir]);
  assert.equal(r.code, 0, r.stderr);
  const key = r.stdout.trim();
  for (let i = 0; i < 40; i++) {
    if ((await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status === 200) return key;
    await sleep(50);
  }
  assert.fail(`key ${name} not accepted within 2 s`);
}

const inference = (key: string) => [
  fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } }),
  fetch(`${h.url}/api/tags`, { headers: { authorization: `Bearer ${key}` } }),
  fetch(`${h.url}/v1/models`, { headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01' } }),
  fetch(`${h.url}/api/version`, { headers: { 'x-api-key': key } }),
];

test('an API key gets 403 on every /admin route and on /metrics; the admin token does not', async () => {
  const key = await cliKey('scoped');
  const adminRoutes = authenticatedRoutes().filter((r) => r.pattern.startsWith('/admin') || r.pattern === '/metrics');
  assert.ok(adminRoutes.length >= 10, `${adminRoutes.length} admin routes`);
  assert.ok(adminRoutes.some((r) => r.pattern === '/metrics'));
  for (const r of adminRoutes) {
    const init = (headers: Record<string, string>): RequestInit => ({ method: r.method, headers: { ...headers, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { 'content-type': 'application/json' }) }, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { body: '{}' }) });
    for (const headers of [{ authorization: `Bearer ${key}` }, { 'x-api-key': key }] as Array<Record<string, string>>) {
      const res = await fetch(`${h.url}${r.path}`, init(headers));
      const label = `${r.method} ${r.path} with an API key`;
      assert.equal(res.status, 403, label);
      const body = (await res.json()) as { error: { type: string; code: string } };
      assert.equal(body.error.type, 'permission_error', label);
      assert.equal(body.error.code, 'forbidden', label);
    }
  }
  const metrics = await fetch(`${h.url}/metrics`, { headers: { authorization: `Bearer ${h.adminToken}` } });
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /# TYPE /);
  // API keys keep reaching the inference endpoints of all three dialects.
  for (const res of await Promise.all(inference(key))) { assert.equal(res.status, 200, res.url); await res.arrayBuffer(); }
});

test('a key revoked with `hearth keys revoke` gets 401 within 1 s on the running server', async () => {
  const key = await cliKey('to-revoke');
  const r = await runCli(['keys', 'revoke', 'to-revoke', '--data-dir', h.dataDir]);
  assert.equal(r.code, 0, r.stderr);
  const deadline = Date.now() + 1000;
  let status = 0;
  do {
    const res = await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    status = res.status; await res.arrayBuffer();
    if (status === 401) break;
    await sleep(25);
  } while (Date.now() < deadline);
  assert.equal(status, 401, 'revoked key refused within 1 s of the CLI returning');
  for (const res of await Promise.all(inference(key))) { assert.equal(res.status, 401, res.url); await res.arrayBuffer(); }
});

test('a key revoked through DELETE /admin/keys/:name gets 401 at once', async () => {
  const created = await fetch(`${h.url}/admin/keys`, {
    method: 'POST', headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'api-made' }),
  });
  assert.ok(created.status === 200 || created.status === 201, String(created.status));
  const { key } = (await created.json()) as { key: string };
  assert.match(key, /^hth_/);
  assert.equal((await fetch(`${h.url}/api/tags`, { headers: { authorization: `Bearer ${key}` } })).status, 200);
  const del = await fetch(`${h.url}/admin/keys/api-made`, { method: 'DELETE', headers: { authorization: `Bearer ${h.adminToken}` } });
  assert.ok(del.status < 300, String(del.status));
  for (const res of await Promise.all(inference(key))) { assert.equal(res.status, 401, res.url); await res.arrayBuffer(); }
});
