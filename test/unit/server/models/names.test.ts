import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { assertModelName, modelNameProblem, modelPath } from '../../../../server/models/names.js';
import { HearthError } from '../../../../server/errors/catalog.js';

const HOSTILE = ['../x', '/etc/passwd', 'x%00.gguf', 'x\u0000', 'x\u0000.gguf', 'CON', 'con', 'NUL', 'COM1', 'lpt9', 'aux.txt', 'a'.repeat(5 * 1024),
  '..', '.', '.hidden', 'a/b', 'a\\b', 'C:evil', 'x\n', 'x.gguf', 'x.', '', ' x', 'x y', 'ü'.repeat(101), 'a..b'];

test('hostile names are refused with ERR_MODEL_NAME', () => {
  for (const n of HOSTILE) {
    assert.ok(modelNameProblem(n), JSON.stringify(n.slice(0, 40)));
    assert.throws(() => assertModelName(n), (e: unknown) => e instanceof HearthError && e.code === 'ERR_MODEL_NAME' && e.status === 400, JSON.stringify(n.slice(0, 40)));
    assert.throws(() => modelPath('/models', n), (e: unknown) => e instanceof HearthError && e.code === 'ERR_MODEL_NAME');
  }
  assert.ok(modelNameProblem(42));
});

test('ordinary names map to a file directly inside the models dir', () => {
  for (const n of ['qwen2.5-0.5b-instruct-q4_k_m', 'Llama-3.2-1B-Instruct-Q4_K_M', 'tiny', 'a_b-c.d', 'CONSOLE', 'com10']) {
    assert.equal(modelNameProblem(n), null, n);
    const p = modelPath('/srv/models', n);
    assert.equal(path.dirname(p), path.resolve('/srv/models'));
    assert.equal(path.basename(p), n + '.gguf');
  }
});
