import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecentRequests } from '../../../../server/inference/recent.js';
import { RecentRequestWire } from '../../../../server/contract/admin.js';

const entry = (i: number, extra: { error?: string } = {}) => ({
  atMs: Date.UTC(2026, 10, 25, 12, 0, i), model: `m${i}`, status: 200, latencyMs: i, keyName: 'k', promptTokens: 1, completionTokens: i, ...extra,
});

test('the ring lists the newest first, keeps only the last `capacity`, in the wire shape', () => {
  const r = new RecentRequests(3);
  assert.deepEqual(r.list(), []);
  for (let i = 1; i <= 5; i++) r.add(entry(i, i === 4 ? { error: 'ERR_UPSTREAM' } : {}));
  const list = r.list();
  assert.deepEqual(list.map((x) => x.model), ['m5', 'm4', 'm3']);
  assert.equal(list[0]!.at, '2026-11-25T12:00:05.000Z');
  assert.equal(list[1]!.error, 'ERR_UPSTREAM');
  assert.equal('error' in list[0]!, false, 'no error key when there was none');
  for (const x of list) RecentRequestWire.parse(x);
});

test('throughput buckets count the generated tokens of recent requests', () => {
  const r = new RecentRequests();
  const now = Date.now();
  r.add({ ...entry(1), atMs: now, completionTokens: 10 });
  r.add({ ...entry(2), atMs: now, completionTokens: 15 });
  const bucket = r.throughput().find((b) => b.t === Math.floor(now / 5000) * 5000)!;
  assert.equal(bucket.tps, 5); // 25 tokens in a 5-second bucket
});
