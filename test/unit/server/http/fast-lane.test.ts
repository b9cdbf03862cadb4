// The fast lane: which requests it takes (plain JSON POSTs of known small length on its routes) and
// which it leaves to Express untouched; the chain, body parsing and error rendering it runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createFastLane } from '../../../../server/http/fast-lane.js';
import { sendJson, type Handler } from '../../../../server/http/node-http.js';
import { hearthError, toHearthError } from '../../../../server/errors/catalog.js';

/** A real server: the lane first, anything it leaves answered with 299 "express" (nothing read before). */
async function withLane(fn: (base: string, seen: string[]) => Promise<void>): Promise<void> {
  const seen: string[] = [];
  const chain: Handler[] = [(_req, res, next) => { seen.push('chain'); res.setHeader('x-chain', '1'); next(); }];
  const lane = createFastLane(chain, (raw, _req, res) => {
    const err = toHearthError(raw);
    sendJson(res, err.status, { code: err.code });
  });
  lane.post('/echo', (req, res) => { seen.push('echo'); sendJson(res, 200, { body: req.body, route: res.locals.route }); });
  lane.post('/boom', async () => { throw hearthError('ERR_VALIDATION', 'bad'); });
  lane.post('/next-error', (_req, _res, next) => { next(hearthError('ERR_FORBIDDEN')); });
  const server = http.createServer((req, res) => {
    if (lane.handle(req, res)) return;
    let n = 0;
    req.on('data', (c: Buffer) => { n += c.length; });
    req.on('end', () => { res.statusCode = 299; res.end(`express ${n}`); });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try { await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen); } finally { server.closeAllConnections(); await new Promise((r) => server.close(r)); }
}

const post = (url: string, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) => fetch(url, { method: 'POST', headers, body });

test('a plain JSON POST on a lane route runs the chain, the parsed body and the handler', async () => {
  await withLane(async (base, seen) => {
    const r = await post(`${base}/echo`, '{"a":[1,2]}');
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('x-chain'), '1');
    assert.deepEqual(await r.json(), { body: { a: [1, 2] }, route: '/echo' });
    assert.deepEqual(seen, ['chain', 'echo']);
    const utf8 = await post(`${base}/echo`, '  {"é":"ü"}', { 'content-type': 'application/json; charset=utf-8' });
    assert.deepEqual(await utf8.json(), { body: { 'é': 'ü' }, route: '/echo' });
    const empty = await post(`${base}/echo`, '');
    assert.deepEqual(await empty.json(), { body: {}, route: '/echo' }, 'an empty body is {} as with express.json()');
  });
});

test('bad JSON, and non-object JSON text, become ERR_BAD_JSON through the renderer', async () => {
  await withLane(async (base) => {
    for (const body of ['{"a":', '"just a string"', '42', 'nul']) {
      const r = await post(`${base}/echo`, body);
      assert.equal(r.status, 400, body);
      assert.deepEqual(await r.json(), { code: 'ERR_BAD_JSON' }, body);
    }
  });
});

test('a thrown or passed error reaches the renderer', async () => {
  await withLane(async (base) => {
    const a = await post(`${base}/boom`, '{}');
    assert.equal(a.status, 400);
    assert.deepEqual(await a.json(), { code: 'ERR_VALIDATION' });
    const b = await post(`${base}/next-error`, '{}');
    assert.equal(b.status, 403);
    assert.deepEqual(await b.json(), { code: 'ERR_FORBIDDEN' });
  });
});

test('anything not plain is left to Express with its body unread', async () => {
  await withLane(async (base, seen) => {
    const cases: Array<[string, RequestInit]> = [
      ['GET', { method: 'GET' }],
      ['query string', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
      ['text/plain', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' }],
      ['latin1 charset', { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: '{}' }],
      ['gzip', { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: '{}' }],
      ['chunked', { method: 'POST', headers: { 'content-type': 'application/json' }, body: new Blob(['{}']).stream(), duplex: 'half' } as RequestInit],
      ['over 1 MiB', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ x: 'y'.repeat(1024 * 1024) }) }],
    ];
    for (const [what, init] of cases) {
      const url = what === 'query string' ? `${base}/echo?x=1` : `${base}/echo`;
      const r = await fetch(url, init);
      assert.equal(r.status, 299, what);
      const text = await r.text();
      if (init.body && what !== 'chunked') assert.match(text, /^express [1-9]\d*$/, `${what}: Express read the whole body`);
    }
    const other = await post(`${base}/elsewhere`, '{}');
    assert.equal(other.status, 299, 'a path the lane does not serve');
    assert.deepEqual(seen, [], 'the lane ran nothing for them');
  });
});
