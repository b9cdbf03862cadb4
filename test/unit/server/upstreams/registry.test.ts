import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createUpstreams } from '../../../../server/upstreams/registry.js';
import type { UpstreamDecl } from '../../../../server/config/options.js';

test('registry: pools with configured capacity, prefixed cached model lists, resolve fixes the upstream model', async () => {
  const seen: { url: string; auth?: string; key?: string; body?: string }[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      seen.push({ url: req.url!, auth: req.headers.authorization, key: req.headers['x-api-key'] as string | undefined, body });
      res.setHeader('content-type', 'application/json');
      if (req.url!.split('?')[0] === '/v1/models') res.end(JSON.stringify({ object: 'list', data: [{ id: 'm1', object: 'model', created: 1700000000 }] }));
      else if (req.url === '/api/tags') res.end(JSON.stringify({ models: [{ name: 'llama3:8b', modified_at: '2024-01-01T00:00:00Z', size: 1 }] }));
      else if (req.url === '/v1/chat/completions') res.end(JSON.stringify({ choices: [{ message: { content: 'ok' }, finish_reason: 'stop' }], usage: { prompt_tokens: 1, completion_tokens: 1 } }));
      else { res.statusCode = 404; res.end('{}'); }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const caps = new Map<string, number>();
  const decls: UpstreamDecl[] = [
    { name: 'oa', kind: 'openai', url, concurrency: 3, apiKey: 'KEY-OA' },
    { name: 'an', kind: 'anthropic', url, concurrency: 2, apiKey: 'KEY-AN' },
    { name: 'ol', kind: 'ollama', url: url + '/', concurrency: 1 },
  ];
  const reg = createUpstreams(decls, { admission: { setCapacity: (p, n) => caps.set(p, n) }, listTtlMs: 60_000 });
  try {
    assert.deepEqual(Object.fromEntries(caps), { 'upstream:oa': 3, 'upstream:an': 2, 'upstream:ol': 1 });
    const ids = (await reg.list()).map((m) => m.id).sort();
    assert.deepEqual(ids, ['an/m1', 'oa/m1', 'ol/llama3:8b']);
    const before = seen.length;
    await reg.list();
    assert.equal(seen.length, before, 'second list is served from the cache');
    assert.equal(seen.find((s) => s.key)?.key, 'KEY-AN');
    assert.equal(seen.find((s) => s.auth)?.auth, 'Bearer KEY-OA');

    assert.equal(reg.resolve('nope/m'), undefined);
    assert.equal(reg.resolve('oa/'), undefined);
    const t = reg.resolve('oa/org/model-x');
    assert.equal(t?.pool, 'upstream:oa');
    assert.equal(t?.kind, 'upstream');
    const events = [];
    for await (const e of t!.engine.generate({ kind: 'chat', model: 'local-name', messages: [{ role: 'user', content: 'hi' }], sampling: {} }, new AbortController().signal)) events.push(e);
    assert.deepEqual(events.map((e) => e.type), ['start', 'delta', 'done']);
    const sent = JSON.parse(seen.at(-1)!.body!);
    assert.equal(sent.model, 'org/model-x');
    assert.equal(sent.stream, true);
  } finally {
    reg.close();
    await new Promise((r) => server.close(r));
  }
});
