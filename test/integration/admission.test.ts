// Admission with the real engine (issue 3, acceptance 1–4 and 7): bounded slots and queue, 429 with
// Retry-After before any byte, batching of running slots, cancellation that frees slots, owner first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHearth, waitReady, runCli } from '../support/server.js';
import { startStream, waitPool, poolStatus } from '../support/stream.js';

const LONG = { max_tokens: 1500, temperature: 0 };

test('2 slots, queue 2, 7 concurrent streams: 2 batched, 2 queued in order, 3 refused with Retry-After', async () => {
  await using h = await startHearth({ args: ['--model', 'tiny', '--context-size', '2048', '--max-concurrency', '2', '--max-queue', '2'] });
  await waitReady(h.url);
  const runs = [];
  const t0 = performance.now();
  // The running streams are long enough to outlast sending the rest even on a busy machine, and the
  // first is shorter than the second, so the two queued ones are granted well apart.
  const lengths = [600, 1200, 300, 300, 300, 300, 300];
  for (const max_tokens of lengths) runs.push(await startStream(h.url, h.adminToken, { max_tokens }));
  const refusedAt = performance.now() - t0;
  const [a, b, c, d, ...refused] = runs as [typeof runs[0], typeof runs[0], typeof runs[0], typeof runs[0], ...typeof runs];
  assert.equal(a.status, 200); assert.equal(b.status, 200);
  assert.equal(a.headers.get('x-queue-position'), null);
  assert.equal(b.headers.get('x-queue-position'), null);
  assert.equal(c.status, 200); assert.equal(c.headers.get('x-queue-position'), '1');
  assert.equal(d.status, 200); assert.equal(d.headers.get('x-queue-position'), '2');
  for (const r of refused) {
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After ≥ 1');
  }
  // The refusals came back before either running stream had finished.
  await Promise.all(runs.map((r) => r.done));
  assert.ok(refusedAt < Math.min(a.times.at(-1)!, b.times.at(-1)!) - t0, `refusals at ${refusedAt.toFixed(1)} ms`);
  // Batched: the two running streams' token times overlap.
  assert.ok(b.times[0]! < a.times.at(-1)! && a.times[0]! < b.times.at(-1)!, 'running streams overlap');
  // Queued streams start only after a running one ends, and in order.
  assert.ok(c.times[0]! > a.times.at(-1)!, 'c started after a ended');
  assert.ok(d.times[0]! > Math.min(b.times.at(-1)!, c.times.at(-1)!), 'd started only when a second slot was freed');
  assert.ok(c.times[0]! < d.times[0]!, 'the first queued stream got the first free slot');
  assert.equal(c.times.length, 300); assert.equal(d.times.length, 300);
  const p = await waitPool(h.url, h.adminToken, (x) => x.slotsUsed === 0 && x.queueDepth === 0);
  assert.deepEqual([p.slotsUsed, p.queueDepth], [0, 0]);
});

test('abort a running stream after 3 chunks: the queued stream starts, and counters return to 0', async () => {
  await using h = await startHearth({ args: ['--model', 'tiny', '--context-size', '2048', '--max-concurrency', '1', '--max-queue', '1'] });
  await waitReady(h.url);
  const a = await startStream(h.url, h.adminToken, LONG);
  const b = await startStream(h.url, h.adminToken, { max_tokens: 5 });
  assert.equal(b.headers.get('x-queue-position'), '1');
  await a.chunks(3);
  const abortedAt = performance.now();
  a.abort();
  await b.done;
  assert.equal(b.times.length, 5);
  console.log(`queued stream's first token ${(b.times[0]! - abortedAt).toFixed(1)} ms after the abort`);
  assert.ok(a.times.length < LONG.max_tokens, 'the aborted stream did not run to the end');
  const p = await waitPool(h.url, h.adminToken, (x) => x.slotsUsed === 0 && x.queueDepth === 0);
  assert.deepEqual([p.slotsUsed, p.queueDepth], [0, 0]);
});

test('disconnect while queued: the request never runs; disconnect during prompt evaluation aborts it', async () => {
  await using h = await startHearth({ args: ['--model', 'tiny', '--context-size', '2048', '--max-concurrency', '1', '--max-queue', '4'] });
  await waitReady(h.url);
  const a = await startStream(h.url, h.adminToken, { max_tokens: 400 });
  const queued = await startStream(h.url, h.adminToken, { max_tokens: 50, messages: [{ role: 'user', content: 'queued-marker' }] });
  assert.equal(queued.headers.get('x-queue-position'), '1');
  queued.abort();
  const p1 = await waitPool(h.url, h.adminToken, (x) => x.queueDepth === 0);
  assert.equal(p1.queueDepth, 0, 'left the queue');
  await a.done;
  // Disconnect as soon as headers arrive: the long prompt is being evaluated.
  const long = await startStream(h.url, h.adminToken, { max_tokens: 100, messages: [{ role: 'user', content: 'lorem ipsum dolor '.repeat(250) }] });
  long.abort();
  const p2 = await waitPool(h.url, h.adminToken, (x) => x.slotsUsed === 0 && x.queueDepth === 0);
  assert.deepEqual([p2.slotsUsed, p2.queueDepth], [0, 0]);
  const st = (await (await fetch(`${h.url}/admin/status`, { headers: { authorization: `Bearer ${h.adminToken}` } })).json()) as { recent: Array<{ completionTokens: number; status: number }> };
  // Three requests reached the pipeline: a (400 tokens), the queued one (never generated), the long one (aborted).
  const generated = st.recent.map((r) => r.completionTokens).sort((x, y) => y - x);
  assert.equal(generated[0], 400);
  assert.equal(generated.filter((n) => n > 0 && n < 100).length + generated.filter((n) => n === 0).length, generated.length - 1);
  assert.ok(!st.recent.some((r) => r.completionTokens === 50), 'the queued request never ran');
});

test('100 streams opened and aborted leak nothing: the next 2 streams run at once', async () => {
  await using h = await startHearth({ args: ['--model', 'tiny', '--context-size', '1024', '--max-concurrency', '2', '--max-queue', '100'] });
  await waitReady(h.url);
  const runs = await Promise.all(Array.from({ length: 100 }, () => startStream(h.url, h.adminToken, { max_tokens: 200 })));
  assert.ok(runs.every((r) => r.status === 200));
  for (const r of runs) r.abort();
  await Promise.all(runs.map((r) => r.done));
  const p = await waitPool(h.url, h.adminToken, (x) => x.slotsUsed === 0 && x.queueDepth === 0);
  assert.deepEqual([p.slotsUsed, p.queueDepth, p.slotsTotal], [0, 0, 2]);
  const [x, y] = await Promise.all([startStream(h.url, h.adminToken, { max_tokens: 100 }), startStream(h.url, h.adminToken, { max_tokens: 100 })]);
  assert.equal(x.headers.get('x-queue-position'), null);
  assert.equal(y.headers.get('x-queue-position'), null);
  await Promise.all([x.done, y.done]);
  assert.equal(x.times.length, 100); assert.equal(y.times.length, 100);
  assert.ok(y.times[0]! < x.times.at(-1)! && x.times[0]! < y.times.at(-1)!, 'both ran at once');
});

test("the owner's request, queued behind API-key requests, runs first", async () => {
  await using h = await startHearth({ args: ['--model', 'tiny', '--context-size', '1024', '--max-concurrency', '1', '--max-queue', '8'] });
  await waitReady(h.url);
  const created = await runCli(['keys', 'create', '--name', 'lan', '--data-dir', h.dataDir]);
  assert.equal(created.code, 0, created.stderr);
  const key = created.stdout.trim();
  assert.match(key, /^hth_/);
  // The running server picks up the CLI's key within a second (bounded poll).
  for (let i = 0; i < 50; i++) { if ((await fetch(`${h.url}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status === 200) break; await new Promise((r) => setTimeout(r, 50)); }
  const running = await startStream(h.url, key, { max_tokens: 300 });
  const k1 = await startStream(h.url, key, { max_tokens: 5 });
  const k2 = await startStream(h.url, key, { max_tokens: 5 });
  const owner = await startStream(h.url, h.adminToken, { max_tokens: 5 });
  assert.equal(k1.headers.get('x-queue-position'), '1');
  assert.equal(k2.headers.get('x-queue-position'), '2');
  assert.equal(owner.headers.get('x-queue-position'), '1', 'the owner goes to the front');
  await Promise.all([running.done, k1.done, k2.done, owner.done]);
  assert.ok(owner.times[0]! < k1.times[0]! && owner.times[0]! < k2.times[0]!, 'owner ran first');
  assert.ok((await poolStatus(h.url, h.adminToken)).slotsUsed === 0);
});
