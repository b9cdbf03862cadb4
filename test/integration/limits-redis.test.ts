// Issue 4, acceptance 3 (shared limits), against real processes: one real redis-server (started
// here on a free port) and TWO `hearth serve --redis-url` processes with the same key set (as
// replicas behind a load balancer would have): a key's rpm and tpm budgets hold across both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startHearth, waitReady, runCli, type Hearth } from '../support/server.js';
import { startStream } from '../support/stream.js';

let redis: ChildProcess | undefined;
let redisDir = '';
let redisPort = 0;
let a: Hearth | undefined;
let b: Hearth | undefined;
const keys: Record<string, string> = {};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer(); s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}
const canConnect = (port: number) => new Promise<boolean>((resolve) => {
  const c = net.connect(port, '127.0.0.1'); c.once('connect', () => { c.destroy(); resolve(true); }); c.once('error', () => resolve(false));
});

before(async () => {
  redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-limits-redis-'));
  redisPort = await freePort();
  redis = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(redisPort), '--daemonize', 'no', '--save', '', '--appendonly', 'no', '--dir', redisDir], { stdio: 'ignore' });
  for (let i = 0; i < 100 && !(await canConnect(redisPort)); i++) await sleep(50);
  assert.ok(await canConnect(redisPort), 'redis-server did not start');
  const args = ['--model', 'tiny', '--context-size', '512', '--redis-url', `redis://127.0.0.1:${redisPort}`];
  a = await startHearth({ args });
  for (const [name, limits] of [['shared-rpm', ['--rpm', '3']], ['shared-tpm', ['--tpm', '30']]] as const) {
    const r = await runCli(['keys', 'create', '--name', name, ...limits, '--data-dir', a.dataDir]);
    assert.equal(r.code, 0, r.stderr);
    keys[name] = r.stdout.trim();
  }
  // The second replica gets the same key set.
  const bDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-test-b-'));
  fs.copyFileSync(path.join(a.dataDir, 'keys.json'), path.join(bDir, 'keys.json'));
  b = await startHearth({ args, dataDir: bDir });
  await Promise.all([waitReady(a.url), waitReady(b.url)]);
});

after(async () => {
  const bDir = b?.dataDir;
  await a?.[Symbol.asyncDispose]();
  await b?.[Symbol.asyncDispose]();
  if (bDir) fs.rmSync(bDir, { recursive: true, force: true });
  redis?.kill('SIGKILL');
  if (redisDir) fs.rmSync(redisDir, { recursive: true, force: true });
});

const chat = (h: Hearth, key: string, body: Record<string, unknown> = {}) => fetch(`${h.url}/v1/chat/completions`, {
  method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  body: JSON.stringify({ model: 'tiny', max_tokens: 2, messages: [{ role: 'user', content: 'hi' }], ...body }),
});

test('--rpm 3 holds across two servers sharing one redis', async () => {
  const key = keys['shared-rpm']!;
  const statuses: number[] = []; const remaining: Array<string | null> = [];
  for (const h of [a!, b!, a!]) {
    const r = await chat(h, key); statuses.push(r.status); remaining.push(r.headers.get('x-ratelimit-remaining-requests')); await r.arrayBuffer();
  }
  assert.deepEqual(statuses, [200, 200, 200]);
  assert.deepEqual(remaining, ['2', '1', '0'], 'one counter, seen by both servers');
  for (const h of [b!, a!]) {
    const r = await chat(h, key, { stream: true });
    assert.equal(r.status, 429, `${h.url}: the fourth request in the minute, on either server`);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    assert.equal(r.headers.get('x-ratelimit-limit-requests'), '3');
    assert.equal(r.headers.get('x-ratelimit-remaining-requests'), '0');
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    await r.arrayBuffer();
  }
  // The counters live in redis.
  const stored = execFileSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redisPort), '--scan', '--pattern', '*'], { encoding: 'utf8' });
  assert.ok(stored.trim().length > 0, 'rate-limit counters are stored in redis');
});

test('--tpm holds across two servers: tokens streamed on one are charged on the other', async () => {
  const key = keys['shared-tpm']!;
  const run = await startStream(a!.url, key, { max_tokens: 40 });
  assert.equal(run.status, 200);
  await run.done;
  assert.equal(run.times.length, 40);
  let res = await chat(b!, key);
  for (let i = 0; i < 20 && res.status !== 429; i++) { await res.arrayBuffer(); await sleep(50); res = await chat(b!, key); }
  assert.equal(res.status, 429, 'server B refuses after 40+ tokens streamed through server A (tpm 30)');
  assert.equal(res.headers.get('x-ratelimit-limit-tokens'), '30');
  assert.equal(res.headers.get('x-ratelimit-remaining-tokens'), '0');
  await res.arrayBuffer();
});
