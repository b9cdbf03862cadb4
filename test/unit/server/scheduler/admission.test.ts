// Unit tests for admission control (pure scheduling logic, fake work and an injected clock).
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { Admission, type Admit, type Lease } from '../../../../server/scheduler/admission.js';
import { HearthError } from '../../../../server/errors/catalog.js';

function clock(start = 0): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

const made: Admission[] = [];
function make(opts: Partial<{ maxQueue: number; queueTimeoutMs: number; ownerReservedSlots: number }> = {}, now?: () => number): Admission {
  const adm = new Admission({ maxQueue: 2, queueTimeoutMs: 60_000, ownerReservedSlots: 0, ...opts, ...(now ? { now } : {}) });
  made.push(adm);
  return adm;
}
// Waiters left queued by a test are refused (and their queue timers cleared).
afterEach(() => { for (const adm of made.splice(0)) adm.close(); });

const signal = (): AbortSignal => new AbortController().signal;

function overloaded(fn: () => unknown): HearthError {
  let caught: unknown;
  try { fn(); } catch (e) { caught = e; }
  assert.ok(caught instanceof HearthError, 'expected a HearthError to be thrown synchronously');
  assert.equal(caught.code, 'ERR_OVERLOADED');
  return caught;
}

function granted(a: Admit): Lease {
  assert.equal(a.kind, 'granted');
  return (a as Extract<Admit, { kind: 'granted' }>).lease;
}
function queued(a: Admit): Extract<Admit, { kind: 'queued' }> {
  assert.equal(a.kind, 'queued');
  return a as Extract<Admit, { kind: 'queued' }>;
}

/** Settles every pending microtask (promise callbacks) without waiting on timers. */
async function flush(): Promise<void> { for (let i = 0; i < 5; i++) await Promise.resolve(); }

test('capacity 2, queue 2: 7 concurrent admits give 2 granted, 2 queued in order, 3 refused at once with Retry-After >= 1', async () => {
  const adm = make({ maxQueue: 2 });
  adm.setCapacity('local:m', 2);
  const results: (Admit | HearthError)[] = [];
  for (let i = 0; i < 7; i++) {
    try { results.push(adm.admit('local:m', { priority: 'normal', signal: signal() })); }
    catch (e) { results.push(e as HearthError); }
  }
  const leases = [granted(results[0] as Admit), granted(results[1] as Admit)];
  const q1 = queued(results[2] as Admit);
  const q2 = queued(results[3] as Admit);
  assert.equal(q1.position, 1);
  assert.equal(q2.position, 2);
  for (const r of results.slice(4)) {
    assert.ok(r instanceof HearthError);
    assert.equal(r.code, 'ERR_OVERLOADED');
    assert.equal(r.status, 429);
    assert.ok(Number(r.headers['retry-after']) >= 1);
  }
  assert.deepEqual(
    { used: adm.snapshot()['local:m']?.slotsUsed, depth: adm.snapshot()['local:m']?.queueDepth, rejected: adm.snapshot()['local:m']?.rejected },
    { used: 2, depth: 2, rejected: 3 },
  );

  const order: number[] = [];
  const p1 = q1.lease.then((l) => { order.push(1); return l; });
  const p2 = q2.lease.then((l) => { order.push(2); return l; });
  leases[0]!.release();
  // The freed slot goes to the first waiter synchronously (no timer tick).
  assert.equal(adm.snapshot()['local:m']?.queueDepth, 1);
  assert.equal(adm.snapshot()['local:m']?.slotsUsed, 2);
  const l1 = await p1;
  leases[1]!.release();
  const l2 = await p2;
  assert.deepEqual(order, [1, 2]);
  l1.release(); l2.release();
  l2.release(); // idempotent
  const s = adm.snapshot()['local:m']!;
  assert.equal(s.slotsUsed, 0);
  assert.equal(s.queueDepth, 0);
  assert.equal(s.admitted, 4);
});

test('abort while queued leaves the queue at once, rejects the promise, and counters return to 0', async () => {
  const adm = make();
  adm.setCapacity('local:m', 1);
  const held = granted(adm.admit('local:m', { priority: 'normal', signal: signal() }));
  const ac = new AbortController();
  const q = queued(adm.admit('local:m', { priority: 'normal', signal: ac.signal }));
  assert.equal(adm.snapshot()['local:m']?.queueDepth, 1);
  ac.abort();
  assert.equal(adm.snapshot()['local:m']?.queueDepth, 0);
  await assert.rejects(q.lease, (e: unknown) => e instanceof HearthError && e.code === 'ERR_CLIENT_CLOSED');
  held.release();
  const s = adm.snapshot()['local:m']!;
  assert.equal(s.slotsUsed, 0);
  assert.equal(s.queueDepth, 0);
  assert.equal(s.aborted, 1);
  assert.equal(s.admitted, 1); // the aborted request never ran
});

test('an abort reason that is a HearthError (deadline) is what the queued promise rejects with', async () => {
  const adm = make();
  adm.setCapacity('p', 1);
  granted(adm.admit('p', { priority: 'normal', signal: signal() }));
  const ac = new AbortController();
  const q = queued(adm.admit('p', { priority: 'normal', signal: ac.signal }));
  ac.abort(new HearthError('ERR_DEADLINE'));
  await assert.rejects(q.lease, (e: unknown) => e instanceof HearthError && e.code === 'ERR_DEADLINE');
});

test('admit with an already aborted signal throws and changes nothing', () => {
  const adm = make();
  adm.setCapacity('p', 1);
  const ac = new AbortController(); ac.abort();
  assert.throws(() => adm.admit('p', { priority: 'normal', signal: ac.signal }), (e: unknown) => e instanceof HearthError && e.code === 'ERR_CLIENT_CLOSED');
  assert.equal(adm.snapshot().p?.slotsUsed, 0);
});

test('100 admits then aborts leave no leaked slot: the next 2 are both granted', async () => {
  const adm = make({ maxQueue: 200 });
  adm.setCapacity('local:m', 2);
  const pending: Promise<unknown>[] = [];
  const controllers: AbortController[] = [];
  const leases: Lease[] = [];
  for (let i = 0; i < 100; i++) {
    const ac = new AbortController();
    controllers.push(ac);
    const a = adm.admit('local:m', { priority: 'normal', signal: ac.signal });
    if (a.kind === 'granted') leases.push(a.lease);
    else pending.push(a.lease.then((l) => l.release(), () => undefined));
  }
  assert.equal(leases.length, 2);
  // Abort them all (the running ones release as their generation stops, as the pipeline does).
  for (const ac of controllers) ac.abort();
  for (const l of leases) l.release();
  await Promise.all(pending);
  const s = adm.snapshot()['local:m']!;
  assert.equal(s.slotsUsed, 0);
  assert.equal(s.queueDepth, 0);
  const a = granted(adm.admit('local:m', { priority: 'normal', signal: signal() }));
  const b = granted(adm.admit('local:m', { priority: 'normal', signal: signal() }));
  a.release(); b.release();
});

test('an owner request queued behind normal ones runs first; FIFO within each priority', async () => {
  const adm = make({ maxQueue: 5 });
  adm.setCapacity('p', 1);
  const held = granted(adm.admit('p', { priority: 'normal', signal: signal() }));
  const order: string[] = [];
  const n1 = queued(adm.admit('p', { priority: 'normal', signal: signal() }));
  const n2 = queued(adm.admit('p', { priority: 'normal', signal: signal() }));
  const o1 = queued(adm.admit('p', { priority: 'owner', signal: signal() }));
  const o2 = queued(adm.admit('p', { priority: 'owner', signal: signal() }));
  assert.equal(o1.position, 1);
  assert.equal(o2.position, 2);
  assert.equal(n2.position, 2); // positions were taken before the owners came
  const run = async (name: string, p: Promise<Lease>): Promise<void> => { const l = await p; order.push(name); await flush(); l.release(); };
  const all = Promise.all([run('n1', n1.lease), run('n2', n2.lease), run('o1', o1.lease), run('o2', o2.lease)]);
  held.release();
  await all;
  assert.deepEqual(order, ['o1', 'o2', 'n1', 'n2']);
  assert.equal(adm.snapshot().p?.slotsUsed, 0);
});

test('a reserved owner slot: normal requests use capacity-1, the owner still gets in at once', async () => {
  const adm = make({ maxQueue: 4, ownerReservedSlots: 1 });
  adm.setCapacity('p', 3);
  const n1 = granted(adm.admit('p', { priority: 'normal', signal: signal() }));
  const n2 = granted(adm.admit('p', { priority: 'normal', signal: signal() }));
  const n3 = queued(adm.admit('p', { priority: 'normal', signal: signal() }));
  const o = granted(adm.admit('p', { priority: 'owner', signal: signal() }));
  assert.equal(adm.snapshot().p?.slotsUsed, 3);
  // The owner leaving does not hand the reserved slot to a normal request.
  o.release();
  assert.equal(adm.snapshot().p?.queueDepth, 1);
  assert.equal(adm.snapshot().p?.slotsUsed, 2);
  n1.release();
  const l3 = await n3.lease;
  n2.release(); l3.release();
  assert.equal(adm.snapshot().p?.slotsUsed, 0);
});

test('no reservation with a single slot: normal requests may use it', () => {
  const adm = make({ ownerReservedSlots: 1 });
  adm.setCapacity('p', 1);
  granted(adm.admit('p', { priority: 'normal', signal: signal() })).release();
});

test('Retry-After grows with queue depth and with measured durations', () => {
  const retryAt = (durationMs: number, depth: number): number => {
    const adm = make({ maxQueue: depth, queueTimeoutMs: 3_600_000 });
    adm.setCapacity('p', 2);
    for (let i = 0; i < 3; i++) adm.recordCompletion('p', { durationMs, outputTokens: 10 });
    granted(adm.admit('p', { priority: 'normal', signal: signal() }));
    granted(adm.admit('p', { priority: 'normal', signal: signal() }));
    for (let i = 0; i < depth; i++) queued(adm.admit('p', { priority: 'normal', signal: signal() }));
    const err = overloaded(() => adm.admit('p', { priority: 'normal', signal: signal() }));
    const s = Number(err.headers['retry-after']);
    assert.equal(s, adm.retryAfterS('p'));
    return s;
  };
  const shallow = retryAt(4000, 1);
  const deep = retryAt(4000, 8);
  const slow = retryAt(20_000, 1);
  assert.ok(shallow >= 1);
  assert.ok(deep > shallow, `deeper queue: ${deep} > ${shallow}`);
  assert.ok(slow > shallow, `slower requests: ${slow} > ${shallow}`);
  // mean 4 s × (depth 1 + 1) / 2 slots = 4 s
  assert.equal(shallow, 4);
});

test('refuses at once when the estimated wait exceeds the queue timeout, but not before any measurement', () => {
  const adm = make({ maxQueue: 10, queueTimeoutMs: 5000 });
  adm.setCapacity('p', 1);
  granted(adm.admit('p', { priority: 'normal', signal: signal() }));
  // No measurements: queue while there is room.
  queued(adm.admit('p', { priority: 'normal', signal: signal() }));
  queued(adm.admit('p', { priority: 'normal', signal: signal() }));
  queued(adm.admit('p', { priority: 'normal', signal: signal() }));
  adm.recordCompletion('p', { durationMs: 2000, outputTokens: 50 });
  // Now 3 are queued: (3 + 1) × 2 s = 8 s > 5 s.
  const err = overloaded(() => adm.admit('p', { priority: 'normal', signal: signal() }));
  assert.equal(err.detail?.reason, 'wait_too_long');
  assert.ok(Number(err.headers['retry-after']) >= 8);
  assert.equal(adm.snapshot().p?.tokensPerSecond, 25);
  assert.equal(adm.snapshot().p?.estimatedWaitMs, 8000);
});

test('a queued request that outlasts the queue timeout rejects with ERR_OVERLOADED and Retry-After', async () => {
  const adm = make({ maxQueue: 2, queueTimeoutMs: 30 });
  adm.setCapacity('p', 1);
  const held = granted(adm.admit('p', { priority: 'normal', signal: signal() }));
  const rejections: string[] = [];
  adm.onRejection((pool, reason) => rejections.push(`${pool}:${reason}`));
  const q = queued(adm.admit('p', { priority: 'normal', signal: signal() }));
  await assert.rejects(q.lease, (e: unknown) => e instanceof HearthError && e.code === 'ERR_OVERLOADED' && Number(e.headers['retry-after']) >= 1);
  assert.deepEqual(rejections, ['p:queue_timeout']);
  assert.equal(adm.snapshot().p?.queueDepth, 0);
  held.release();
  assert.equal(adm.snapshot().p?.slotsUsed, 0);
});

test('capacity 0 queues until capacity appears; growing hands slots to waiters at once; shrinking holds new grants', async () => {
  const adm = make({ maxQueue: 3 });
  const q1 = queued(adm.admit('local:m', { priority: 'normal', signal: signal() })); // unknown pool = capacity 0
  const q2 = queued(adm.admit('local:m', { priority: 'normal', signal: signal() }));
  assert.equal(adm.snapshot()['local:m']?.slotsTotal, 0);
  assert.equal(adm.snapshot()['local:m']?.estimatedWaitMs, 60_000);
  adm.setCapacity('local:m', 2);
  assert.equal(adm.snapshot()['local:m']?.slotsUsed, 2);
  const [l1, l2] = await Promise.all([q1.lease, q2.lease]);
  adm.setCapacity('local:m', 1);
  const q3 = queued(adm.admit('local:m', { priority: 'normal', signal: signal() }));
  l1.release();
  assert.equal(adm.snapshot()['local:m']?.queueDepth, 1, 'one running still fills the shrunk capacity');
  l2.release();
  const l3 = await q3.lease;
  assert.equal(adm.snapshot()['local:m']?.slotsUsed, 1);
  l3.release();
});

test('removePool refuses its waiters; pools are independent', async () => {
  const adm = make();
  adm.setCapacity('local:a', 1);
  adm.setCapacity('upstream:b', 1);
  granted(adm.admit('local:a', { priority: 'normal', signal: signal() }));
  const q = queued(adm.admit('local:a', { priority: 'normal', signal: signal() }));
  const b = granted(adm.admit('upstream:b', { priority: 'normal', signal: signal() }));
  adm.removePool('local:a');
  await assert.rejects(q.lease, (e: unknown) => e instanceof HearthError && e.code === 'ERR_NOT_READY');
  assert.deepEqual(Object.keys(adm.snapshot()), ['upstream:b']);
  b.release();
});

test('queuedMs and onChange use the injected clock and report every change', async () => {
  const c = clock(1000);
  const adm = make({}, c.now);
  const seen: string[] = [];
  const off = adm.onChange((p) => seen.push(p));
  adm.setCapacity('p', 1);
  const held = granted(adm.admit('p', { priority: 'normal', signal: signal() }));
  assert.equal(held.queuedMs, 0);
  const q = queued(adm.admit('p', { priority: 'normal', signal: signal() }));
  c.advance(250);
  held.release();
  const l = await q.lease;
  assert.equal(l.queuedMs, 250);
  assert.ok(seen.length >= 4);
  off();
  const before = seen.length;
  l.release();
  assert.equal(seen.length, before);
});

test('before any measurement Retry-After uses the age of the oldest running request (at least 1 s)', () => {
  const c = clock();
  const adm = make({ maxQueue: 0 }, c.now);
  adm.setCapacity('p', 1);
  granted(adm.admit('p', { priority: 'normal', signal: signal() }));
  assert.equal(Number(overloaded(() => adm.admit('p', { priority: 'normal', signal: signal() })).headers['retry-after']), 1);
  c.advance(7000);
  assert.equal(Number(overloaded(() => adm.admit('p', { priority: 'normal', signal: signal() })).headers['retry-after']), 7);
});

test('close refuses every waiter with ERR_SHUTTING_DOWN', async () => {
  const adm = make();
  adm.setCapacity('p', 1);
  const held = granted(adm.admit('p', { priority: 'normal', signal: signal() }));
  const q = queued(adm.admit('p', { priority: 'owner', signal: signal() }));
  adm.close();
  await assert.rejects(q.lease, (e: unknown) => e instanceof HearthError && e.code === 'ERR_SHUTTING_DOWN');
  assert.equal(adm.snapshot().p?.queueDepth, 0);
  held.release();
  assert.equal(adm.snapshot().p?.slotsUsed, 0);
});
