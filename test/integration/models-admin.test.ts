// The admin model handlers on a real express app and a real model server on 127.0.0.1:
// NDJSON pull progress, cancel by id, disconnect cancels, delete refused while in use, list, import.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import { adminModelsRoutes } from '../../server/routes/admin-models.js';
import { toHearthError } from '../../server/errors/catalog.js';
import { errorBody } from '../../server/errors/format.js';
import { PullEvent } from '../../server/contract/models.js';
import { ensureModel } from '../support/make-model.js';
import { writeHostileModels } from '../unit/server/models/hostile-gguf.js';

const model = readFileSync(ensureModel('tiny'));
let tmp: string; let modelsDir: string;
let source: http.Server; let src: string;
let app: http.Server; let api: string;
const busy = new Set<string>();
let stallRes: http.ServerResponse | undefined;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-admin-models-'));
  modelsDir = path.join(tmp, 'models');
  mkdirSync(modelsDir);
  source = http.createServer((req, res) => {
    res.writeHead(200, { 'content-length': model.length });
    if (req.url === '/stall.gguf') { res.write(model.subarray(0, 50_000)); stallRes = res; return; } // then nothing
    res.end(model);
  });
  await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
  src = `http://127.0.0.1:${(source.address() as AddressInfo).port}`;

  const h = adminModelsRoutes({ modelsDir, inUse: (n) => busy.has(n), readMetadata: async () => ({ architecture: 'llama', hasChatTemplate: true }) });
  const a = express();
  a.use(express.json());
  a.get('/admin/models/catalog', h.list);
  a.get('/admin/models/recommended', h.recommended);
  a.post('/admin/models/pull', h.pull);
  a.delete('/admin/models/pull/:id', h.cancelPull);
  a.post('/admin/models/import', h.import);
  a.delete('/admin/models/:name', h.delete);
  a.use((raw: unknown, _req: Request, res: Response, _next: NextFunction) => { const e = toHearthError(raw); res.status(e.status).json(errorBody('openai', e)); });
  app = a.listen(0, '127.0.0.1');
  await new Promise((r) => app.once('listening', r));
  api = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});
after(async () => {
  stallRes?.destroy();
  source.closeAllConnections(); app.closeAllConnections();
  await Promise.all([new Promise((r) => source.close(r)), new Promise((r) => app.close(r))]);
  rmSync(tmp, { recursive: true, force: true });
});

async function* ndjson(res: globalThis.Response): AsyncGenerator<PullEvent> {
  let buf = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += Buffer.from(chunk).toString('utf8');
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); if (line) yield PullEvent.parse(JSON.parse(line)); }
  }
}
const post = (p: string, body: unknown, signal?: AbortSignal) => fetch(api + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal });

test('POST /admin/models/pull streams started, rising progress, verifying, done', async () => {
  const res = await post('/admin/models/pull', { source: `${src}/tiny.gguf`, name: 'admin-tiny' });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /application\/x-ndjson/);
  const events: PullEvent[] = [];
  for await (const e of ndjson(res)) events.push(e);
  assert.equal(events[0]!.type, 'started');
  const progress = events.filter((e) => e.type === 'progress');
  assert.ok(progress.length >= 1);
  for (let i = 1; i < progress.length; i++) assert.ok(progress[i]!.bytes >= progress[i - 1]!.bytes);
  assert.equal(progress.at(-1)!.bytes, model.length);
  assert.deepEqual(events.slice(-2).map((e) => e.type), ['verifying', 'done']);
  const list = await (await fetch(api + '/admin/models/catalog')).json() as { data: { name: string; valid: boolean }[] };
  assert.deepEqual(list.data.map((m) => [m.name, m.valid]), [['admin-tiny', true]]);
});

test('bad bodies and names are plain HTTP errors before any stream', async () => {
  const a = await post('/admin/models/pull', { source: `${src}/tiny.gguf`, name: '../x' });
  assert.equal(a.status, 400); assert.equal(((await a.json()) as { error: { code: string } }).error.code, 'model_name');
  const b = await post('/admin/models/pull', { source: 'ftp://x/y.gguf' });
  assert.equal(b.status, 400);
  const c = await post('/admin/models/pull', { sha256: 'zz' });
  assert.equal(c.status, 400);
});

test('a pull is cancelled by DELETE /admin/models/pull/:id, and by disconnecting', async () => {
  const res = await post('/admin/models/pull', { source: `${src}/stall.gguf` });
  const it = ndjson(res);
  const started = (await it.next()).value as Extract<PullEvent, { type: 'started' }>;
  assert.equal(started.type, 'started');
  assert.equal((await it.next()).value?.type, 'progress');
  const del = await fetch(`${api}/admin/models/pull/${started.id}`, { method: 'DELETE' });
  assert.equal(del.status, 200);
  const rest: PullEvent[] = [];
  for await (const e of it) rest.push(e);
  const last = rest.at(-1);
  assert.equal(last?.type, 'error');
  if (last?.type === 'error') { assert.equal(last.code, 'ERR_PULL_CANCELLED'); assert.match(last.message, /cancelled/); }
  assert.ok(!readdirSync(modelsDir).some((f) => f.startsWith('stall')), 'no partial left');
  assert.equal((await fetch(`${api}/admin/models/pull/${started.id}`, { method: 'DELETE' })).status, 404);

  // Disconnect: abort the client request mid-stream; the partial disappears (bounded wait).
  const ac = new AbortController();
  const res2 = await post('/admin/models/pull', { source: `${src}/stall.gguf`, name: 'stall2' }, ac.signal);
  const it2 = ndjson(res2);
  await it2.next(); await it2.next();
  assert.ok(readdirSync(modelsDir).includes('stall2.gguf.partial'));
  ac.abort();
  for (let i = 0; i < 100 && readdirSync(modelsDir).includes('stall2.gguf.partial'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(!readdirSync(modelsDir).includes('stall2.gguf.partial'));
});

test('delete is refused while in use, works otherwise; hostile names are 400', async () => {
  await post('/admin/models/import', { path: ensureModel('tiny'), name: 'victim', mode: 'copy' }).then((r) => assert.equal(r.status, 200));
  busy.add('victim');
  const a = await fetch(`${api}/admin/models/victim`, { method: 'DELETE' });
  assert.equal(a.status, 409);
  busy.delete('victim');
  assert.equal((await fetch(`${api}/admin/models/victim`, { method: 'DELETE' })).status, 200);
  for (const n of ['..%2Fx', '%2Fetc%2Fpasswd', 'x%2500.gguf', 'CON', 'a'.repeat(5000)]) {
    const r = await fetch(`${api}/admin/models/${n}`, { method: 'DELETE' });
    assert.equal(r.status, 400, n.slice(0, 20));
  }
});

test('hostile files are listed invalid over the API; import refuses them with 422', async () => {
  const d = path.join(tmp, 'hostile-src');
  mkdirSync(d);
  writeHostileModels(d);
  const r = await post('/admin/models/import', { path: path.join(d, 'hostile-wrong-magic.gguf') });
  assert.equal(r.status, 422);
  const rec = await (await fetch(api + '/admin/models/recommended')).json() as { data: { source: string }[] };
  assert.ok(rec.data.every((m) => m.source.startsWith('hf:')));
});
