import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { importModel, deleteModel } from '../../../../server/models/manage.js';
import { HearthError } from '../../../../server/errors/catalog.js';
import { ensureModel } from '../../../support/make-model.js';
import { hostileBytes } from './hostile-gguf.js';

const isCode = (code: string) => (e: unknown) => e instanceof HearthError && e.code === code;

test('import copies or links a valid file; refuses invalid files and clashes', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-manage-'));
  try {
    const d = path.join(tmp, 'models');
    const copied = await importModel({ src: ensureModel('tiny'), modelsDir: d, name: 'copied', mode: 'copy' });
    assert.equal(copied.file, path.join(d, 'copied.gguf'));
    assert.ok(lstatSync(copied.file).isFile());
    assert.deepEqual(readFileSync(copied.file), readFileSync(ensureModel('tiny')));
    const linked = await importModel({ src: ensureModel('tiny'), modelsDir: d, name: 'linked', mode: 'link' });
    assert.ok(lstatSync(linked.file).isSymbolicLink());
    await assert.rejects(importModel({ src: ensureModel('tiny'), modelsDir: d, name: 'copied', mode: 'copy' }), isCode('ERR_CONFLICT'));
    const bad = path.join(tmp, 'bad.gguf');
    writeFileSync(bad, hostileBytes('array-count-2^40').bytes);
    await assert.rejects(importModel({ src: bad, modelsDir: d, mode: 'copy' }), isCode('ERR_MODEL_INVALID'));
    await assert.rejects(importModel({ src: ensureModel('tiny'), modelsDir: d, name: '../escape', mode: 'copy' }), isCode('ERR_MODEL_NAME'));
    assert.deepEqual(readdirSync(d).sort(), ['copied.gguf', 'linked.gguf']);
    assert.ok(!readdirSync(tmp).includes('escape.gguf'));
  } finally { rmSync(tmp, { recursive: true, force: true }); }
});

test('delete refuses while in use, refuses hostile names, removes only the link of a linked model', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-manage-'));
  try {
    const d = path.join(tmp, 'models');
    mkdirSync(d);
    writeFileSync(path.join(tmp, 'x.gguf'), 'outside');
    await importModel({ src: ensureModel('tiny'), modelsDir: d, name: 'busy', mode: 'copy' });
    await importModel({ src: ensureModel('tiny'), modelsDir: d, name: 'link', mode: 'link' });
    await assert.rejects(deleteModel({ modelsDir: d, name: 'busy', inUse: (n) => n === 'busy' }), (e: unknown) => e instanceof HearthError && e.code === 'ERR_MODEL_IN_USE' && e.status === 409);
    assert.ok(readdirSync(d).includes('busy.gguf'));
    for (const n of ['../x', '/etc/passwd', 'x%00.gguf', 'CON', 'a'.repeat(5000)]) {
      let asked = false;
      await assert.rejects(deleteModel({ modelsDir: d, name: n, inUse: () => { asked = true; return false; } }), isCode('ERR_MODEL_NAME'));
      assert.equal(asked, false, 'refused before anything else');
    }
    assert.equal(readFileSync(path.join(tmp, 'x.gguf'), 'utf8'), 'outside');
    await deleteModel({ modelsDir: d, name: 'busy', inUse: () => false });
    await deleteModel({ modelsDir: d, name: 'link', inUse: () => false });
    assert.deepEqual(readdirSync(d), []);
    assert.ok(lstatSync(ensureModel('tiny')).isFile(), 'the link target stays');
    await assert.rejects(deleteModel({ modelsDir: d, name: 'busy', inUse: () => false }), isCode('ERR_MODEL_NOT_FOUND'));
  } finally { rmSync(tmp, { recursive: true, force: true }); }
});
