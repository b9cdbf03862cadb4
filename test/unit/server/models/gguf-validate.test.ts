import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { validateGguf, GGML_TYPES } from '../../../../server/models/gguf-validate.js';
import { ensureModel, MODEL_SPECS } from '../../../support/make-model.js';
import { HOSTILE_CASES, hostileBytes, afterString } from './hostile-gguf.js';

test('the tiny model passes with its header fields', async () => {
  const v = await validateGguf(ensureModel('tiny'));
  assert.equal(v.valid, true);
  if (!v.valid) return;
  assert.equal(v.info.architecture, 'llama');
  assert.equal(v.info.contextLength, MODEL_SPECS.tiny.contextLength);
  assert.equal(v.info.layers, MODEL_SPECS.tiny.layers);
  assert.equal(v.info.quantization, 'F16');
  assert.equal(v.info.hasChatTemplate, true);
  assert.equal(v.info.tensorCount, 21);
  assert.equal(v.info.alignment, 32);
});

test('hostile files are refused with a clear reason', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-gguf-'));
  try {
    for (const c of HOSTILE_CASES) {
      const { bytes, reason } = hostileBytes(c);
      const f = path.join(dir, 'x.gguf');
      writeFileSync(f, bytes);
      const v = await validateGguf(f);
      assert.equal(v.valid, false, c);
      if (!v.valid) assert.match(v.reason, reason, c);
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('more forged fields: version, counts, alignment, dims, type', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-gguf-'));
  const tiny = readFileSync(ensureModel('tiny'));
  const check = async (patch: (b: Buffer) => void, reason: RegExp) => {
    const b = Buffer.from(tiny); patch(b);
    const f = path.join(dir, 'x.gguf'); writeFileSync(f, b);
    const v = await validateGguf(f);
    assert.equal(v.valid, false, String(reason));
    if (!v.valid) assert.match(v.reason, reason);
  };
  try {
    await check((b) => b.writeUInt32LE(1, 4), /unsupported GGUF version 1/);
    await check((b) => b.writeBigUInt64LE(2n ** 62n, 8), /tensor count .* exceeds/);
    await check((b) => b.writeBigUInt64LE(1n << 20n, 16), /key-value count .* exceeds/);
    await check((b) => b.writeUInt32LE(48, afterString(b, 'general.alignment') + 4), /alignment 48 is not a power of two/);
    // blk.0.attn_q.weight: u32 n_dims, dims...
    await check((b) => b.writeUInt32LE(5, afterString(b, 'blk.0.attn_q.weight')), /5 dimensions/);
    await check((b) => b.writeBigUInt64LE(0n, afterString(b, 'blk.0.attn_q.weight') + 4), /zero dimension/);
    await check((b) => b.writeUInt32LE(4, afterString(b, 'blk.0.attn_q.weight') + 4 + 16), /unknown or removed ggml type 4/);
    await check((b) => b.writeUInt32LE(12, afterString(b, 'blk.0.attn_q.weight') + 4 + 16), /row of 64 elements is not a multiple of the Q4_K block size 256/);
    await check((b) => b.writeBigUInt64LE(3n, afterString(b, 'blk.0.attn_q.weight') + 4 + 16 + 4), /offset 3 is not aligned to 32/);
    await check((b) => b.writeUInt32LE(99, afterString(b, 'general.file_type')), /unknown value type 99/);
    await check((b) => b.writeUInt32LE(9, afterString(b, 'tokenizer.ggml.scores') + 4), /array of arrays/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the ggml type table has the K-quants and IQ types with ggml block sizes', () => {
  const byName = new Map(Object.values(GGML_TYPES).map(([n, b, s]) => [n, [b, s]]));
  assert.deepEqual(byName.get('Q4_K'), [256, 144]);
  assert.deepEqual(byName.get('Q6_K'), [256, 210]);
  assert.deepEqual(byName.get('Q8_0'), [32, 34]);
  assert.deepEqual(byName.get('IQ4_XS'), [256, 136]);
  assert.deepEqual(byName.get('BF16'), [1, 2]);
  assert.deepEqual(byName.get('F64'), [1, 8]);
  assert.equal(GGML_TYPES[4], undefined, 'removed Q4_2');
});
