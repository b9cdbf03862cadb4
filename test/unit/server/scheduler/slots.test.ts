// Unit tests for the slot arithmetic with injected memory states (VRAM / RAM figures).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeSlots, slotsFromResourceEstimates } from '../../../../server/scheduler/slots.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

test('8 GB free with a 4 GB model not yet loaded gives several slots', () => {
  const r = computeSlots({ freeBytes: 8 * GiB, weightsBytes: 4 * GiB, weightsLoaded: false, perSequenceBytes: 512 * MiB, overheadBytes: 512 * MiB, maxConcurrency: 64 });
  // (8 − 4 − 0.5) GiB / 0.5 GiB = 7
  assert.equal(r.slots, 7);
  assert.match(r.reason, /7 sequences/);
});

test('the cap (--max-concurrency) is respected', () => {
  const r = computeSlots({ freeBytes: 8 * GiB, weightsBytes: 4 * GiB, weightsLoaded: false, perSequenceBytes: 512 * MiB, overheadBytes: 512 * MiB, maxConcurrency: 4 });
  assert.equal(r.slots, 4);
  assert.match(r.reason, /max concurrency 4/);
});

test('nearly nothing free: 0 slots when the weights still have to load', () => {
  const r = computeSlots({ freeBytes: 300 * MiB, weightsBytes: 4 * GiB, weightsLoaded: false, perSequenceBytes: 256 * MiB, overheadBytes: 64 * MiB, maxConcurrency: 4 });
  assert.equal(r.slots, 0);
  assert.match(r.reason, /not enough memory/);
});

test('nearly nothing free with the weights already loaded: 1 slot when exactly one sequence fits, else 0', () => {
  const one = computeSlots({ freeBytes: 300 * MiB, weightsBytes: 4 * GiB, weightsLoaded: true, perSequenceBytes: 200 * MiB, overheadBytes: 64 * MiB, maxConcurrency: 4 });
  assert.equal(one.slots, 1);
  const none = computeSlots({ freeBytes: 200 * MiB, weightsBytes: 4 * GiB, weightsLoaded: true, perSequenceBytes: 200 * MiB, overheadBytes: 64 * MiB, maxConcurrency: 4 });
  assert.equal(none.slots, 0);
});

test('slot count follows free memory monotonically', () => {
  let last = -1;
  for (let free = 4 * GiB; free <= 12 * GiB; free += GiB) {
    const r = computeSlots({ freeBytes: free, weightsBytes: 4 * GiB, weightsLoaded: false, perSequenceBytes: GiB, overheadBytes: 0, maxConcurrency: 256 });
    assert.ok(r.slots >= last);
    assert.equal(r.slots, Math.floor(free / GiB) - 4);
    last = r.slots;
  }
});

test('invalid or unknown figures give 0 slots, never NaN', () => {
  assert.equal(computeSlots({ freeBytes: Number.NaN, weightsBytes: GiB, weightsLoaded: false, perSequenceBytes: MiB, overheadBytes: 0, maxConcurrency: 4 }).slots, 0);
  assert.equal(computeSlots({ freeBytes: -1, weightsBytes: GiB, weightsLoaded: false, perSequenceBytes: MiB, overheadBytes: 0, maxConcurrency: 4 }).slots, 0);
  assert.equal(computeSlots({ freeBytes: 8 * GiB, weightsBytes: GiB, weightsLoaded: false, perSequenceBytes: MiB, overheadBytes: 0, maxConcurrency: 0 }).slots, 0);
  // A sequence that costs nothing is capped by max concurrency.
  assert.equal(computeSlots({ freeBytes: 8 * GiB, weightsBytes: GiB, weightsLoaded: false, perSequenceBytes: 0, overheadBytes: 0, maxConcurrency: 3 }).slots, 3);
});

test('from GgufInsights-style estimates on GPU: VRAM binds, and RAM binds when it is smaller', () => {
  const base = {
    gpu: true,
    model: { gpuVram: 4 * GiB, cpuRam: 200 * MiB },
    // 1 sequence: 512 MiB (256 overhead + 256 per sequence); 2 sequences: 768 MiB.
    contextOneSequence: { gpuVram: 512 * MiB, cpuRam: 64 * MiB },
    contextTwoSequences: { gpuVram: 768 * MiB, cpuRam: 96 * MiB },
    weightsLoaded: false,
    maxConcurrency: 64,
    marginBytes: 0,
  };
  // VRAM: (8 GiB − 4 GiB − 256 MiB) / 256 MiB = 15. RAM: (16 GiB − 200 MiB − 32 MiB) / 32 MiB ≫ 15.
  const vramBound = slotsFromResourceEstimates({ ...base, vramFreeBytes: 8 * GiB, ramFreeBytes: 16 * GiB });
  assert.equal(vramBound.slots, 15);
  assert.match(vramBound.reason, /^VRAM/);
  // RAM: (600 MiB − 200 − 32) / 32 = 11.
  const ramBound = slotsFromResourceEstimates({ ...base, vramFreeBytes: 8 * GiB, ramFreeBytes: 600 * MiB });
  assert.equal(ramBound.slots, 11);
  assert.match(ramBound.reason, /^RAM/);
  // Almost no VRAM: nothing fits.
  assert.equal(slotsFromResourceEstimates({ ...base, vramFreeBytes: 100 * MiB, ramFreeBytes: 16 * GiB }).slots, 0);
});

test('from estimates on CPU only RAM counts, and the default margin keeps some memory free', () => {
  const inputs = {
    gpu: false,
    vramFreeBytes: 0,
    ramFreeBytes: 8 * GiB,
    model: { gpuVram: 0, cpuRam: 4 * GiB },
    contextOneSequence: { gpuVram: 0, cpuRam: 512 * MiB },
    contextTwoSequences: { gpuVram: 0, cpuRam: GiB },
    weightsLoaded: false,
    maxConcurrency: 64,
  };
  const noMargin = slotsFromResourceEstimates({ ...inputs, marginBytes: 0 });
  assert.equal(noMargin.slots, 8); // (8 − 4 − 0) GiB / 0.5 GiB
  const withMargin = slotsFromResourceEstimates(inputs);
  assert.equal(withMargin.slots, 7); // 5% of 8 GiB kept free
  assert.match(withMargin.reason, /^RAM/);
});
