import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listModels, resolveLoadableModel, invalidateCatalog } from '../../../../server/models/catalog.js';
import { ModelList, type ModelMetadata } from '../../../../server/contract/models.js';
import { HearthError } from '../../../../server/errors/catalog.js';
import { ensureModel, MODEL_SPECS } from '../../../support/make-model.js';
import { validateGguf } from '../../../../server/models/gguf-validate.js';
import { writeHostileModels } from './hostile-gguf.js';

const fakeMeta: ModelMetadata = { architecture: 'llama', hasChatTemplate: true, quantization: 'F16', contextLength: 2048 };

test('hostile files are listed invalid with a reason and never reach the metadata reader', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-cat-'));
  try {
    copyFileSync(ensureModel('tiny'), path.join(dir, 'tiny.gguf'));
    const hostile = writeHostileModels(dir);
    // Partial downloads and temp files are never listed.
    for (const f of ['pulling.gguf.partial', 'x.gguf.download', 'x.gguf.123.tmp', '.hidden.gguf', 'notes.txt']) writeFileSync(path.join(dir, f), 'x');
    const seen: string[] = [];
    const list = await listModels(dir, { readMetadata: async (f) => { seen.push(path.basename(f)); return fakeMeta; } });
    ModelList.parse(list);
    assert.deepEqual(list.map((m) => m.name).sort(), ['tiny', ...hostile.keys()].sort());
    assert.deepEqual(seen, ['tiny.gguf'], 'only the valid file is handed to the reader');
    for (const [name, reason] of hostile) {
      const r = list.find((m) => m.name === name)!;
      assert.equal(r.valid, false, name);
      assert.match(r.reason ?? '', reason, name);
      assert.equal(r.metadata, undefined);
    }
    const tiny = list.find((m) => m.name === 'tiny')!;
    assert.equal(tiny.valid, true); assert.deepEqual(tiny.metadata, fakeMeta);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a reader failure falls back to the pre-validation info', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-cat-'));
  try {
    copyFileSync(ensureModel('tiny'), path.join(dir, 'tiny.gguf'));
    const [r] = await listModels(dir, { readMetadata: async () => { throw new Error('boom'); } });
    assert.equal(r!.valid, true);
    assert.equal(r!.metadata?.architecture, 'llama');
    assert.equal(r!.metadata?.contextLength, MODEL_SPECS.tiny.contextLength);
    assert.equal(r!.metadata?.hasChatTemplate, true);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('node-llama-cpp metadata for the tiny model, cached by (path, mtime, size)', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-cat-'));
  try {
    const f = path.join(dir, 'tiny.gguf');
    copyFileSync(ensureModel('tiny'), f);
    invalidateCatalog();
    const [a] = await listModels(dir);
    assert.equal(a!.valid, true);
    assert.equal(a!.metadata?.architecture, 'llama');
    const pre = await validateGguf(f);
    assert.ok(pre.valid);
    assert.equal(a!.metadata?.parameterCount, pre.info.parameterCount, 'node-llama-cpp and pre-validation agree');
    assert.equal(a!.metadata?.quantization, 'F16');
    assert.equal(a!.metadata?.contextLength, MODEL_SPECS.tiny.contextLength);
    assert.equal(a!.metadata?.hasChatTemplate, true);
    const [b] = await listModels(dir);
    assert.equal(b, a, 'unchanged file: the cached record');
    // A changed file is re-validated: make it invalid in place (same size, new mtime).
    const bytes = Buffer.from(await import('node:fs').then((fs) => fs.readFileSync(f)));
    bytes.write('XXXX', 0, 'latin1');
    writeFileSync(f, bytes);
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    const [c] = await listModels(dir);
    assert.equal(c!.valid, false);
    assert.match(c!.reason ?? '', /wrong magic/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('resolveLoadableModel: 422 for an invalid file, 404 for a missing one, 400 for a bad name', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-cat-'));
  try {
    writeHostileModels(dir);
    copyFileSync(ensureModel('tiny'), path.join(dir, 'tiny.gguf'));
    const ok = await resolveLoadableModel(dir, 'tiny');
    assert.equal(ok.file, path.join(dir, 'tiny.gguf'));
    await assert.rejects(resolveLoadableModel(dir, 'hostile-tensor-past-eof'), (e: unknown) => e instanceof HearthError && e.status === 422 && /extends past end of file/.test(e.message));
    await assert.rejects(resolveLoadableModel(dir, 'nope'), (e: unknown) => e instanceof HearthError && e.code === 'ERR_MODEL_NOT_FOUND');
    await assert.rejects(resolveLoadableModel(dir, '../tiny'), (e: unknown) => e instanceof HearthError && e.code === 'ERR_MODEL_NAME');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a missing models dir lists as empty', async () => {
  assert.deepEqual(await listModels(path.join(os.tmpdir(), 'hearth-does-not-exist-' + process.pid)), []);
});
