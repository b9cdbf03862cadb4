import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { withFileLock } from '../../../../server/state/file-lock.js';

test('withFileLock serializes read-modify-write: no increment is lost', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-lock-'));
  try {
    const f = path.join(dir, 'n.txt');
    fs.writeFileSync(f, '0');
    await Promise.all(Array.from({ length: 20 }, () => withFileLock(f, async () => {
      const n = Number(fs.readFileSync(f, 'utf8'));
      await sleep(1);
      fs.writeFileSync(f, String(n + 1));
    })));
    assert.equal(fs.readFileSync(f, 'utf8'), '20');
    assert.ok(!fs.existsSync(`${f}.lock`));
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('a lock left by a dead process is broken; a live holder makes others time out', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-lock-'));
  try {
    const f = path.join(dir, 'x.json');
    // A pid that is not running (pid_max on Linux is at most 4194304).
    fs.writeFileSync(`${f}.lock`, `4194303 ${Date.now()}\n`);
    assert.equal(await withFileLock(f, () => 'ok', { timeoutMs: 2000 }), 'ok');
    fs.writeFileSync(`${f}.lock`, `${process.ppid} ${Date.now()}\n`);
    await assert.rejects(withFileLock(f, () => 'no', { timeoutMs: 100 }), /could not take the lock/);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
