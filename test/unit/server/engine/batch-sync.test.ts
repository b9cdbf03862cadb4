// Unit tests of server/engine/batch-sync.ts: the batch arithmetic, the sequence choice, the
// sequence-id ordering of batch items and the decode barrier, on a fake context (pure logic).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBatchGate, maximumParallelism, takeLowestSequence } from '../../../../server/engine/batch-sync.js';

// Types through batch-sync's own signatures (only server/engine imports node-llama-cpp).
type BatchItem = Parameters<typeof maximumParallelism>[0]['items'][number];
type LlamaContext = Parameters<ReturnType<typeof createBatchGate>['attach']>[0];
type LlamaContextSequence = Parameters<typeof takeLowestSequence>[0][number];

const item = (n: number, evaluationPriority = 5): BatchItem => ({ tokens: new Array(n).fill(1), logits: [], evaluationPriority } as unknown as BatchItem);

test('maximumParallelism gives every item a share, in queue order, and fills the batch', () => {
  const a = item(1); const b = item(1); const c = item(1);
  assert.deepEqual(maximumParallelism({ items: [a, b, c], size: 512 }).map((p) => [p.item, p.processAmount]), [[a, 1], [b, 1], [c, 1]]);
  const long = item(1000); const d1 = item(1); const d2 = item(1);
  const res = maximumParallelism({ items: [long, d1, d2], size: 512 });
  assert.deepEqual(res.map((p) => p.processAmount), [510, 1, 1]);
  const two = maximumParallelism({ items: [item(300), item(300)], size: 512 });
  assert.deepEqual(two.map((p) => p.processAmount), [256, 256]);
});

test('takeLowestSequence takes the free sequence with the lowest id', () => {
  const seq = (id: number) => ({ _sequenceId: id }) as unknown as LlamaContextSequence;
  const free = [seq(2), seq(0), seq(3)];
  assert.equal((takeLowestSequence(free) as unknown as { _sequenceId: number })._sequenceId, 0);
  assert.deepEqual(free.map((s) => (s as unknown as { _sequenceId: number })._sequenceId), [2, 3]);
  assert.equal(takeLowestSequence([]), undefined);
});

/** A stand-in for node-llama-cpp's context internals that batch-sync relies on. */
function fakeContext(totalSequences = 4) {
  const queued: Array<{ sequenceId: number }> = [];
  const ids = new Set<number>();
  const calls: number[][] = [];
  let tick: number[] | undefined;
  const ctx = {
    totalSequences,
    _queuedDecodes: queued,
    _queuedDecodeSequenceIds: ids,
    _decodeTokens(q: { sequenceId: number }) {
      if (!tick) { tick = []; calls.push(tick); queueMicrotask(() => { tick = undefined; }); }
      tick.push(q.sequenceId);
      queued.push(q); ids.add(q.sequenceId);
      return Promise.resolve('decoded');
    },
  };
  return { ctx, calls, queued, ids };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  assert.ok(cond(), what);
}

test('attach refuses a context without the expected internals', () => {
  assert.equal(createBatchGate().attach({} as LlamaContext), false);
});

test('the strategy orders batch items by sequence id', () => {
  const gate = createBatchGate();
  const f = fakeContext();
  assert.equal(gate.attach(f.ctx as unknown as LlamaContext), true);
  const items = [item(1), item(1), item(1)];
  f.queued.push({ sequenceId: 2 }, { sequenceId: 0 }, { sequenceId: 1 });
  const res = gate.batching.itemPrioritizationStrategy({ items, size: 512 });
  assert.deepEqual(res.map((p) => items.indexOf(p.item)), [1, 2, 0]);
});

test('held decodes are released together, sorted by sequence id, once every running request is ready', async () => {
  const gate = createBatchGate();
  const f = fakeContext();
  gate.attach(f.ctx as unknown as LlamaContext);
  const decode = (f.ctx as unknown as { _decodeTokens: (q: { sequenceId: number }, m: unknown) => Promise<unknown> })._decodeTokens;
  gate.enter(); gate.enter(); gate.enter();
  const p2 = decode({ sequenceId: 2 }, undefined);
  const p0 = decode({ sequenceId: 0 }, undefined);
  assert.equal(f.calls.length, 0, 'nothing is released while a running request has not queued');
  const p1 = decode({ sequenceId: 1 }, undefined);
  await until(() => f.calls.length > 0, 'released');
  assert.deepEqual(f.calls, [[0, 1, 2]]);
  assert.deepEqual(await Promise.all([p0, p1, p2]), ['decoded', 'decoded', 'decoded']);
});

test('a request that never queues holds the others back only for a bounded time', async () => {
  const gate = createBatchGate();
  const f = fakeContext();
  gate.attach(f.ctx as unknown as LlamaContext);
  const decode = (f.ctx as unknown as { _decodeTokens: (q: { sequenceId: number }, m: unknown) => Promise<unknown> })._decodeTokens;
  gate.enter(); gate.enter();
  const p = decode({ sequenceId: 0 }, undefined);
  assert.equal(await p, 'decoded');
  assert.deepEqual(f.calls, [[0]]);
});

test('leave() releases the requests that were waiting for the one that left', async () => {
  const gate = createBatchGate();
  const f = fakeContext();
  gate.attach(f.ctx as unknown as LlamaContext);
  const decode = (f.ctx as unknown as { _decodeTokens: (q: { sequenceId: number }, m: unknown) => Promise<unknown> })._decodeTokens;
  gate.enter(); gate.enter();
  const p = decode({ sequenceId: 1 }, undefined);
  gate.leave();
  assert.equal(gate.active, 1);
  assert.equal(await p, 'decoded');
  assert.deepEqual(f.calls, [[1]]);
});
