import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { runKeysCommand } from '../../../../server/cli/keys.js';
import { KeyStore } from '../../../../server/auth/key-store.js';

function io(env: NodeJS.ProcessEnv = {}) {
  const out: string[] = []; const err: string[] = [];
  const w = (a: string[]) => new Writable({ write(c, _e, cb) { a.push(String(c)); cb(); } });
  return { io: { stdout: w(out), stderr: w(err), env }, out: () => out.join(''), err: () => err.join('') };
}

test('keys create prints the key alone; list shows name/prefix/limits/created/last used; revoke', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-cli-keys-'));
  try {
    const c = io();
    assert.equal(await runKeysCommand(['create', '--name', 'ci', '--rpm', '2', '--tpm', '500', '--models', 'tiny, oa/*', '--allow-spill', '--data-dir', dir, '--models-dir', '/nowhere'], c.io), 0);
    assert.match(c.out(), /^hth_[A-Za-z0-9_-]{43}\n$/);
    const key = c.out().trim();
    const store = KeyStore.open(dir, { watch: false });
    assert.deepEqual(store.verify(key)?.limits, { rpm: 2, tpm: 500, models: ['tiny', 'oa/*'] });
    assert.equal(store.verify(key)?.allowSpill, true);
    await store.close();

    const l = io();
    assert.equal(await runKeysCommand(['list', '--data-dir', dir], l.io), 0);
    assert.match(l.out(), /NAME\s+PREFIX\s+LIMITS\s+CREATED\s+LAST USED/);
    assert.ok(l.out().includes('ci') && l.out().includes(key.slice(4, 12)) && l.out().includes('rpm=2') && l.out().includes('never'));
    assert.ok(!l.out().includes(key));
    const j = io({ HEARTH_DATA_DIR: dir });
    assert.equal(await runKeysCommand(['list', '--json'], j.io), 0);
    const arr = JSON.parse(j.out()) as { name: string; prefix: string; limits: unknown; createdAt: string; lastUsedAt: null }[];
    assert.equal(arr.length, 1);
    assert.equal(arr[0]!.name, 'ci');
    assert.equal(arr[0]!.prefix, key.slice(0, 12));
    assert.ok(!j.out().includes(key) && !j.out().includes('hash'));

    const dup = io();
    await assert.rejects(runKeysCommand(['create', '--name', 'ci', '--data-dir', dir], dup.io), /already exists/);
    assert.equal(await runKeysCommand(['create', '--data-dir', dir], io().io), 2);
    assert.equal(await runKeysCommand(['create', '--name', 'x', '--rpm', 'lots', '--data-dir', dir], io().io).catch(() => 1), 1);

    const r = io();
    assert.equal(await runKeysCommand(['revoke', 'ci', '--data-dir', dir], r.io), 0);
    assert.equal(r.out(), '');
    const after = io();
    await runKeysCommand(['list', '--json', '--data-dir', dir], after.io);
    assert.deepEqual(JSON.parse(after.out()), []);
    await assert.rejects(runKeysCommand(['revoke', 'ci', '--data-dir', dir], io().io), /no active key/);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
