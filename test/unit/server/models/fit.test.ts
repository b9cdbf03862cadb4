import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimateFit, kvBytesPerSequence, computeOverheadBytes } from '../../../../server/models/fit.js';
import { RECOMMENDED_MODELS } from '../../../../server/models/recommended.js';
import { FitEstimate, RecommendedModel } from '../../../../server/contract/models.js';

const GiB = 1024 ** 3;
const llama1b = { modelBytes: 808e6, layers: 16, embd: 2048, headsKv: 8, headDim: 64, maxConcurrency: 4 };

test('kv cache bytes per sequence: 2 × layers × ctx × kvDim × 2 bytes', () => {
  assert.equal(kvBytesPerSequence(16, 4096, 8, 64), 2 * 16 * 4096 * 512 * 2);
  assert.equal(kvBytesPerSequence(16, 4096, 8, 64), 128 * 1024 * 1024);
});

test('a small model on a big GPU gets all slots at full context', () => {
  const r = estimateFit({ ...llama1b, contextSize: 4096, vram: { total: 24 * GiB, free: 20 * GiB }, ram: { total: 32 * GiB, free: 16 * GiB } });
  assert.equal(r.where, 'gpu'); assert.equal(r.fits, true); assert.equal(r.slots, 4); assert.equal(r.contextSize, 4096);
  FitEstimate.parse(r);
});

test('slots are bounded by free VRAM next to the weights', () => {
  const base = 808e6 + computeOverheadBytes(808e6, 2048);
  const kv = kvBytesPerSequence(16, 4096, 8, 64);
  const free = (base + 2.5 * kv) / 0.9; // room for 2 sequences, not 3
  const r = estimateFit({ ...llama1b, contextSize: 4096, vram: { total: 8 * GiB, free }, ram: { total: 1 * GiB, free: 0 } });
  assert.equal(r.where, 'gpu'); assert.equal(r.slots, 2);
});

test('the context shrinks before giving up, and never exceeds the trained context', () => {
  const base = 808e6 + computeOverheadBytes(808e6, 2048);
  const free = (base + kvBytesPerSequence(16, 1024, 8, 64) * 1.5) / 0.9;
  const r = estimateFit({ ...llama1b, contextSize: 8192, vram: { total: 8 * GiB, free }, ram: { total: GiB, free: 0 } });
  assert.equal(r.fits, true); assert.equal(r.contextSize, 1024); assert.equal(r.slots, 1);
  assert.match(r.reason, /context reduced from 8192/);
  const c = estimateFit({ ...llama1b, contextSize: 1_000_000, trainedContextSize: 2048, vram: null, ram: { total: 64 * GiB, free: 60 * GiB } });
  assert.equal(c.contextSize, 2048);
});

test('too big for the GPU falls back to RAM; too big for both does not fit', () => {
  const seven = { modelBytes: 4.68e9, layers: 28, embd: 3584, headsKv: 4, headDim: 128, maxConcurrency: 2, contextSize: 4096 };
  const cpu = estimateFit({ ...seven, vram: { total: 4 * GiB, free: 3 * GiB }, ram: { total: 32 * GiB, free: 24 * GiB } });
  assert.equal(cpu.where, 'cpu'); assert.equal(cpu.fits, true); assert.match(cpu.reason, /too large for GPU memory/);
  const none = estimateFit({ ...seven, vram: null, ram: { total: 4 * GiB, free: 2 * GiB } });
  assert.deepEqual([none.fits, none.where, none.slots], [false, 'none', 0]);
  assert.match(none.reason, /needs about/);
});

test('recommended models parse, have hf: sources and licences, and give fit inputs', () => {
  assert.ok(RECOMMENDED_MODELS.length >= 5);
  for (const m of RECOMMENDED_MODELS) {
    RecommendedModel.parse(m);
    assert.match(m.source, /^hf:[^/]+\/[^/]+\/.+\.gguf$/);
    assert.ok(m.license.length > 0);
    const r = estimateFit({ modelBytes: m.sizeBytes, layers: m.layers, embd: m.embeddingLength, headsKv: m.headCountKv, headDim: m.headDim, contextSize: 4096, trainedContextSize: m.contextLength, vram: { total: 80 * GiB, free: 78 * GiB }, ram: { total: 64 * GiB, free: 60 * GiB }, maxConcurrency: 4 });
    assert.equal(r.where, 'gpu', m.id);
  }
});
