// kill -9 at random moments while a child process creates keys: the store always parses and holds
// every key whose creation was acknowledged (the child prints the key after create() returned).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeyStore, KeysFile } from '../../server/auth/key-store.js';
import { readJsonFile } from '../../server/state/atomic-file.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TARGET = 200;

test('kill -9 during 200 key creations never loses an acknowledged key nor corrupts keys.json', { timeout: 300_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-crash-'));
  const script = path.join(dir, 'creator.mjs');
  fs.writeFileSync(script, `import { KeyStore } from ${JSON.stringify(path.join(ROOT, 'server/auth/key-store.ts'))};
const s = KeyStore.open(process.argv[2], { watch: false });
process.stdout.write('ready\\n');
for (let i = 0; i < ${TARGET}; i++) {
  const { key } = await s.create({ name: 'k-' + process.pid + '-' + i });
  process.stdout.write(key + '\\n');
}
process.stdout.write('done\\n');`);
  const dataDir = path.join(dir, 'data');
  const acked: string[] = [];
  let kills = 0; let midWrite = 0;
  try {
    for (let round = 0; round < 80 && acked.length < TARGET; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      // Kill after a random number of acknowledged creations plus a random extra delay, so the kill lands anywhere in create().
      const killAfter = Math.floor(Math.random() * 25);
      const extraMs = Math.random() * 8;
      let seenThisRound = 0; let buf = ''; let killTimer: NodeJS.Timeout | undefined;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
          if (line.startsWith('hth_')) { acked.push(line); seenThisRound++; }
          if ((line === 'ready' && killAfter === 0) || (line.startsWith('hth_') && seenThisRound === killAfter) || acked.length >= TARGET) {
            if (!killTimer) killTimer = setTimeout(() => { child.kill('SIGKILL'); }, extraMs);
          }
        }
      });
      const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
      await exited;
      clearTimeout(guard); if (killTimer) clearTimeout(killTimer);
      if (child.signalCode === 'SIGKILL') kills++;
      if (fs.existsSync(dataDir) && fs.readdirSync(dataDir).some((n) => n.includes('.tmp-') || n.endsWith('.lock'))) midWrite++;
      // After every crash: the file parses and every acknowledged key verifies.
      if (fs.existsSync(path.join(dataDir, 'keys.json'))) readJsonFile(path.join(dataDir, 'keys.json'), KeysFile);
      const store = KeyStore.open(dataDir, { watch: false });
      try {
        for (const k of acked) assert.ok(store.verify(k), `acknowledged key lost after round ${round}`);
      } finally { await store.close(); }
    }
    assert.ok(acked.length >= TARGET, `only ${acked.length} keys acknowledged`);
    assert.ok(kills >= 5, `only ${kills} kills`);
    console.log(`${kills} kills, ${acked.length} acknowledged keys, ${midWrite} kills left a lock or temp file behind`);
    const final = readJsonFile(path.join(dataDir, 'keys.json'), KeysFile);
    assert.ok(final.keys.length >= acked.length);
    assert.ok(!fs.readdirSync(dataDir).some((n) => n.includes('.tmp-')), 'stale temp files are cleaned up on open');
    if (process.platform !== 'win32') assert.equal(fs.statSync(path.join(dataDir, 'keys.json')).mode & 0o777, 0o600);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
