// Per-key limits shared through a real redis-server (started here on a free port): two limiter
// instances, and two separate processes, see one budget.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { createKeyLimits } from '../../server/auth/key-limits.js';
import type { Principal } from '../../server/auth/principal.js';
import type { HearthError } from '../../server/errors/catalog.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let redis: ChildProcess | undefined; let url = ''; let dir = '';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer(); s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}
async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => { const c = net.connect(port, '127.0.0.1'); c.once('connect', () => { c.destroy(); resolve(true); }); c.once('error', () => resolve(false)); });
}

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-redis-'));
  const port = await freePort();
  redis = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--daemonize', 'no', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await canConnect(port)); i++) await sleep(50);
  assert.ok(await canConnect(port), 'redis-server did not start');
  url = `redis://127.0.0.1:${port}`;
});
after(() => { redis?.kill('SIGKILL'); fs.rmSync(dir, { recursive: true, force: true }); });

const key = (limits: { rpm?: number; tpm?: number }): Principal => ({ kind: 'key', id: randomUUID(), name: 'shared', limits, allowSpill: false });
const refused = (e: HearthError) => e.code === 'ERR_RATE_LIMITED' && Number(e.headers['retry-after']) >= 1;

test('two limiter instances on one redis share rpm and tpm; other keys are unaffected', async () => {
  const a = createKeyLimits({ redisUrl: url });
  const b = createKeyLimits({ redisUrl: url });
  try {
    const p = key({ rpm: 3 });
    assert.equal((await a.checkRequest(p, 'm'))['x-ratelimit-remaining-requests'], '2');
    assert.equal((await b.checkRequest(p, 'm'))['x-ratelimit-remaining-requests'], '1');
    await a.checkRequest(p, 'm');
    await assert.rejects(b.checkRequest(p, 'm'), refused);
    await assert.rejects(a.checkRequest(p, 'm'), refused);
    await b.checkRequest(key({ rpm: 3 }), 'm');
    const t = key({ tpm: 100 });
    await b.checkRequest(t, 'm');
    await a.addTokens(t, 120);
    await assert.rejects(b.checkRequest(t, 'm'), (e: HearthError) => refused(e) && e.headers['x-ratelimit-remaining-tokens'] === '0');
  } finally { await a.close(); await b.close(); }
});

test('two processes on one redis: exactly rpm requests pass in total', { timeout: 60_000 }, async () => {
  const script = path.join(dir, 'limiter.mjs');
  fs.writeFileSync(script, `import { createKeyLimits } from ${JSON.stringify(path.join(ROOT, 'server/auth/key-limits.ts'))};
const [url, id] = process.argv.slice(2);
const l = createKeyLimits({ redisUrl: url });
const p = { kind: 'key', id, name: 'p', limits: { rpm: 5 }, allowSpill: false };
let ok = 0, limited = 0;
for (let i = 0; i < 4; i++) { try { await l.checkRequest(p, 'm'); ok++; } catch (e) { if (e.code === 'ERR_RATE_LIMITED') limited++; else throw e; } }
await l.close();
process.stdout.write(JSON.stringify({ ok, limited }) + '\\n');`);
  const id = randomUUID();
  const run = () => new Promise<{ ok: number; limited: number }>((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', script, url, id], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = ''; c.stdout.on('data', (d) => { out += d; });
    c.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited ${code}`))));
  });
  const [x, y] = await Promise.all([run(), run()]);
  assert.equal(x.ok + y.ok, 5);
  assert.equal(x.limited + y.limited, 3);
});
