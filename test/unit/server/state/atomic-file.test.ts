import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic, writeFileAtomicSync, readJsonFile, loadWithBackup, backupPath } from '../../../../server/state/atomic-file.js';

const Schema = z.object({ keys: z.array(z.object({ name: z.string(), hash: z.string() })) });
const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-atomic-'));

test('writeFileAtomic writes with mode 0600, leaves no temp file, replaces content', async () => {
  const dir = tmpDir();
  try {
    const f = path.join(dir, 'sub', 'a.json');
    await writeFileAtomic(f, '{"keys":[]}');
    await writeFileAtomic(f, '{"keys":[{"name":"a","hash":"h"}]}');
    assert.deepEqual(readJsonFile(f, Schema), { keys: [{ name: 'a', hash: 'h' }] });
    if (process.platform !== 'win32') assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    assert.deepEqual(fs.readdirSync(path.dirname(f)), ['a.json']);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('readJsonFile names the file and the failing field path', () => {
  const dir = tmpDir();
  try {
    const f = path.join(dir, 'keys.json');
    fs.writeFileSync(f, JSON.stringify({ keys: [{ name: 'a', hash: 'h' }, { name: 'b', hash: 5 }] }));
    assert.throws(() => readJsonFile(f, Schema), (e: Error) => e.message.includes(f) && e.message.includes('keys[1].hash'));
    fs.writeFileSync(f, '{"keys": [');
    assert.throws(() => readJsonFile(f, Schema), (e: Error) => e.message.includes(f) && /not valid JSON/.test(e.message));
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('loadWithBackup uses the backup when the file is corrupt and says so; missing is reported as missing', () => {
  const dir = tmpDir();
  try {
    const f = path.join(dir, 's.json');
    assert.deepEqual(loadWithBackup(f, Schema), { source: 'missing', data: undefined });
    writeFileAtomicSync(f, JSON.stringify({ keys: [{ name: 'good', hash: 'x' }] }), { backup: true });
    assert.ok(fs.existsSync(backupPath(f)));
    assert.equal(loadWithBackup(f, Schema).source, 'file');
    fs.writeFileSync(f, '{"keys":[{"name":1}]}');
    const r = loadWithBackup(f, Schema);
    assert.equal(r.source, 'backup');
    assert.ok(r.source === 'backup' && r.error.includes('keys[0].name') && r.error.includes(f));
    assert.deepEqual(r.data, { keys: [{ name: 'good', hash: 'x' }] });
    fs.writeFileSync(backupPath(f), 'garbage');
    assert.throws(() => loadWithBackup(f, Schema), (e: Error) => e.message.includes('keys[0].name') && e.message.includes('backup'));
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('removeStaleTemps removes temp files of dead writers only', async () => {
  const { removeStaleTemps } = await import('../../../../server/state/atomic-file.js');
  const dir = tmpDir();
  try {
    const f = path.join(dir, 'keys.json');
    fs.writeFileSync(path.join(dir, '.keys.json.tmp-4194303-abcd'), 'x');
    fs.writeFileSync(path.join(dir, `.keys.json.tmp-${process.pid}-abcd`), 'x');
    fs.writeFileSync(path.join(dir, '.other.json.tmp-4194303-abcd'), 'x');
    fs.writeFileSync(path.join(dir, '.keys.json.bak.tmp-4194303-abcd'), 'x');
    removeStaleTemps(f);
    assert.deepEqual(fs.readdirSync(dir).sort(), [`.keys.json.tmp-${process.pid}-abcd`, '.other.json.tmp-4194303-abcd']);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
