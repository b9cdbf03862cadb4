import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeyStore } from '../../../../server/auth/key-store.js';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-keys-'));

test('create: hth_ + 43 base64url chars; only the SHA-256 hash is stored (0600); verify/revoke', async () => {
  const dir = tmpDir();
  const s = KeyStore.open(dir, { watch: false });
  try {
    const { key, record } = await s.create({ name: 'ci', rpm: 2, models: ['tiny'] });
    assert.match(key, /^hth_[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(key.slice(4), 'base64url').length, 32);
    assert.equal(record.prefix, key.slice(4, 12));
    assert.equal('hash' in record, false);
    const text = fs.readFileSync(path.join(dir, 'keys.json'), 'utf8');
    assert.ok(!text.includes(key) && !text.includes(key.slice(4)), 'the key itself is never stored');
    assert.ok(text.includes(createHash('sha256').update(key).digest('hex')));
    if (process.platform !== 'win32') assert.equal(fs.statSync(path.join(dir, 'keys.json')).mode & 0o777, 0o600);
    const rec = s.verify(key);
    assert.equal(rec?.name, 'ci');
    assert.deepEqual(rec?.limits, { rpm: 2, models: ['tiny'] });
    assert.equal(rec?.allowSpill, false);
    assert.equal(s.verify(key.slice(0, -1) + (key.endsWith('A') ? 'B' : 'A')), undefined);
    assert.equal(s.verify(''), undefined);
    assert.equal(s.verify('x'.repeat(10_000)), undefined);
    await assert.rejects(s.create({ name: 'ci' }), (e: Error & { code?: string }) => e.code === 'ERR_CONFLICT');
    await assert.rejects(s.create({ name: 'bad name!' }), (e: Error & { code?: string }) => e.code === 'ERR_VALIDATION');
    await assert.rejects(s.create({ name: 'z', rpm: -1 }), (e: Error & { code?: string }) => e.code === 'ERR_VALIDATION');
    await s.revoke('ci');
    assert.equal(s.verify(key), undefined);
    assert.ok(s.list()[0]?.revokedAt);
    await assert.rejects(s.revoke('ci'), (e: Error & { code?: string }) => e.code === 'ERR_NOT_FOUND');
    // a revoked name can be reused
    const again = await s.create({ name: 'ci', allowSpill: true });
    assert.equal(s.verify(again.key)?.allowSpill, true);
  } finally { await s.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});

test('update changes limits (null clears); touch is flushed lazily and survives reopen', async () => {
  const dir = tmpDir();
  const s = KeyStore.open(dir, { watch: false, touchFlushMs: 60_000 });
  try {
    const { key } = await s.create({ name: 'a', rpm: 5, tpm: 100 });
    await s.update('a', { rpm: null, tpm: 50, models: ['m1'] });
    assert.deepEqual(s.verify(key)?.limits, { tpm: 50, models: ['m1'] });
    const rec = s.verify(key)!;
    s.touch(rec.id);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'keys.json'), 'utf8')).keys[0].lastUsedAt, null, 'not written per request');
    assert.ok(s.list()[0]?.lastUsedAt, 'visible in list at once');
    await s.flush();
    assert.ok(JSON.parse(fs.readFileSync(path.join(dir, 'keys.json'), 'utf8')).keys[0].lastUsedAt);
  } finally { await s.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});

test('changes by another store (another process) are seen within 1 s; concurrent writers lose nothing', async () => {
  const dir = tmpDir();
  const server = KeyStore.open(dir, { pollMs: 300 });
  const cli = KeyStore.open(dir, { watch: false });
  try {
    const { key } = await cli.create({ name: 'late' });
    let seen = false;
    for (let i = 0; i < 20 && !seen; i++) { seen = server.verify(key) !== undefined; if (!seen) await sleep(50); }
    assert.ok(seen, 'the running store honours the new key within 1 s');
    await cli.revoke('late');
    let gone = false;
    for (let i = 0; i < 20 && !gone; i++) { gone = server.verify(key) === undefined; if (!gone) await sleep(50); }
    assert.ok(gone, 'the running store drops the revoked key within 1 s');
    const made = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? server : cli).create({ name: `c${i}` })));
    const reopened = KeyStore.open(dir, { watch: false });
    for (const m of made) assert.ok(reopened.verify(m.key), `key ${m.record.name} kept`);
    await reopened.close();
  } finally { await server.close(); await cli.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});

test('a corrupt keys.json stops open with the file and field named; a running store keeps the last good keys', async () => {
  const dir = tmpDir();
  const errors: Error[] = [];
  const s = KeyStore.open(dir, { pollMs: 100, onError: (e) => errors.push(e) });
  try {
    const { key } = await s.create({ name: 'a' });
    const f = path.join(dir, 'keys.json');
    const data = JSON.parse(fs.readFileSync(f, 'utf8'));
    data.keys[0].hash = 42;
    fs.writeFileSync(f, JSON.stringify(data));
    for (let i = 0; i < 30 && errors.length === 0; i++) await sleep(50);
    assert.ok(errors[0]?.message.includes('keys[0].hash'));
    assert.ok(s.verify(key), 'not silently reset');
    assert.throws(() => KeyStore.open(dir, { watch: false }), (e: Error) => e.message.includes(f) && e.message.includes('keys[0].hash') && e.message.includes('.bak'));
  } finally { await s.close(); fs.rmSync(dir, { recursive: true, force: true }); }
});
