// The real `hearth keys` CLI, run as its own process while a store is serving requests: a created
// key works, and a revoked key gets 401, within 1 s of the command returning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyStore } from '../../server/auth/key-store.js';
import { authenticate } from '../../server/http/middleware/auth.js';
import { startMiniApp } from '../unit/server/http/middleware/mini-app.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const hearth = (...args: string[]) => run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/cli.ts'), ...args], { cwd: ROOT, timeout: 60_000 });

async function statusWithin1s(url: string, key: string, want: number): Promise<number> {
  const deadline = Date.now() + 1000;
  let status = 0;
  do {
    status = (await fetch(url, { headers: { authorization: `Bearer ${key}` } })).status;
    if (status === want) return status;
    await sleep(25);
  } while (Date.now() < deadline);
  return status;
}

test('keys created and revoked by the CLI take effect on a running store within 1 s', { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-cli-it-'));
  const store = KeyStore.open(dir);
  const app = await startMiniApp([authenticate({ adminToken: 'admin-token-for-tests-0123456789', keyStore: store })]);
  try {
    const created = await hearth('keys', 'create', '--name', 'from-cli', '--rpm', '3', '--data-dir', dir, '--models-dir', path.join(dir, 'models'));
    assert.match(created.stdout, /^hth_[A-Za-z0-9_-]{43}\n$/, 'the key alone on stdout');
    const key = created.stdout.trim();
    assert.equal(await statusWithin1s(`${app.url}/v1/models`, key, 200), 200);
    const listed = await hearth('keys', 'list', '--json', '--data-dir', dir);
    assert.equal((JSON.parse(listed.stdout) as { name: string }[])[0]?.name, 'from-cli');
    await hearth('keys', 'revoke', 'from-cli', '--data-dir', dir);
    assert.equal(await statusWithin1s(`${app.url}/v1/models`, key, 401), 401);
  } finally { await app.close(); await store.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});
