import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureAdminToken, adminTokenBanner } from '../../../../server/auth/admin-token.js';

test('admin token: generated once into <data-dir>/admin-token (0600), reused, overridden by a given one', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-admin-'));
  try {
    const a = ensureAdminToken({ dataDir: dir });
    assert.equal(a.created, true);
    assert.ok(a.token.length >= 40);
    assert.equal(fs.readFileSync(path.join(dir, 'admin-token'), 'utf8').trim(), a.token);
    if (process.platform !== 'win32') assert.equal(fs.statSync(path.join(dir, 'admin-token')).mode & 0o777, 0o600);
    const b = ensureAdminToken({ dataDir: dir });
    assert.deepEqual([b.token, b.created], [a.token, false]);
    const given = 'given-admin-token-0123456789';
    assert.deepEqual(ensureAdminToken({ dataDir: dir, given }).token, given);
    assert.ok(adminTokenBanner(a.token, a.file).includes(a.token));
    assert.deepEqual(fs.readdirSync(dir), ['admin-token']);
    fs.writeFileSync(path.join(dir, 'admin-token'), 'short');
    assert.throws(() => ensureAdminToken({ dataDir: dir }), /admin-token/);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
