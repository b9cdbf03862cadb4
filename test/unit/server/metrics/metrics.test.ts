// Tests for the metrics registry: own registry, metric names and labels, and scrape-time pool gauges
// read from a real Admission (its pools, queue and refusals).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { register as globalRegistry } from 'prom-client';
import { bindAdmission, createMetrics, renderMetrics } from '../../../../server/metrics/metrics.js';
import { Admission } from '../../../../server/scheduler/admission.js';

test('createMetrics uses its own registry and exposes every Hearth metric', async () => {
  const globalBefore = (await globalRegistry.getMetricsAsJSON()).length;
  const m = createMetrics({ defaultMetrics: false });
  const m2 = createMetrics({ defaultMetrics: false }); // a second registry does not clash
  assert.notEqual(m.registry, globalRegistry);
  assert.notEqual(m.registry, m2.registry);
  assert.equal((await globalRegistry.getMetricsAsJSON()).length, globalBefore);

  m.httpRequests.inc({ route: '/v1/chat/completions', status: '200' });
  m.httpRequests.inc({ route: '/v1/chat/completions', status: '429' });
  m.inFlight.inc();
  m.ttft.observe({ pool: 'local:tiny' }, 0.2);
  m.interToken.observe({ pool: 'local:tiny' }, 0.004);
  m.tokensIn.inc({ pool: 'local:tiny' }, 12);
  m.tokensOut.inc({ pool: 'local:tiny' }, 34);
  m.engineRestarts.inc();
  const { contentType, body } = await renderMetrics(m);
  assert.match(contentType, /^text\/plain/);
  assert.match(body, /hearth_http_requests_total\{route="\/v1\/chat\/completions",status="429"\} 1/);
  assert.match(body, /hearth_http_in_flight_requests 1/);
  assert.match(body, /hearth_time_to_first_token_seconds_bucket\{le="0.25",pool="local:tiny"\} 1/);
  assert.match(body, /hearth_inter_token_seconds_count\{pool="local:tiny"\} 1/);
  assert.match(body, /hearth_tokens_in_total\{pool="local:tiny"\} 12/);
  assert.match(body, /hearth_tokens_out_total\{pool="local:tiny"\} 34/);
  assert.match(body, /hearth_engine_restarts_total 1/);
  assert.doesNotMatch(body, /process_resident_memory_bytes/);
});

test('default process metrics (resident memory) are on by default, with the prefix', async () => {
  const m = createMetrics();
  const { body } = await renderMetrics(m);
  assert.match(body, /hearth_process_resident_memory_bytes \d+/);
});

test('pool gauges are read from Admission at scrape time, and refusals are counted by reason', async () => {
  const m = createMetrics({ defaultMetrics: false });
  const adm = new Admission({ maxQueue: 1, queueTimeoutMs: 60_000, ownerReservedSlots: 0 });
  const unbind = bindAdmission(m, adm);
  adm.setCapacity('local:tiny', 2);
  adm.setCapacity('upstream:oa', 8);
  const signal = new AbortController().signal;
  const a = adm.admit('local:tiny', { priority: 'normal', signal });
  const b = adm.admit('local:tiny', { priority: 'normal', signal });
  const ac = new AbortController();
  const q = adm.admit('local:tiny', { priority: 'normal', signal: ac.signal });
  assert.equal(q.kind, 'queued');
  assert.throws(() => adm.admit('local:tiny', { priority: 'normal', signal }));

  let body = (await renderMetrics(m)).body;
  assert.match(body, /hearth_slots_used\{pool="local:tiny"\} 2/);
  assert.match(body, /hearth_slots_total\{pool="local:tiny"\} 2/);
  assert.match(body, /hearth_slots_total\{pool="upstream:oa"\} 8/);
  assert.match(body, /hearth_queue_depth\{pool="local:tiny"\} 1/);
  assert.match(body, /hearth_rejections_total\{pool="local:tiny",reason="queue_full"\} 1/);

  // Scrape-time values follow the scheduler: abort the waiter, release the slots.
  ac.abort();
  if (q.kind === 'queued') await q.lease.catch(() => undefined);
  if (a.kind === 'granted') a.lease.release();
  if (b.kind === 'granted') b.lease.release();
  adm.removePool('upstream:oa');
  body = (await renderMetrics(m)).body;
  assert.match(body, /hearth_slots_used\{pool="local:tiny"\} 0/);
  assert.match(body, /hearth_queue_depth\{pool="local:tiny"\} 0/);
  assert.doesNotMatch(body, /pool="upstream:oa"/, 'a removed pool disappears from the gauges');

  unbind();
  adm.close();
  adm.setCapacity('local:other', 1);
  body = (await renderMetrics(m)).body;
  assert.doesNotMatch(body, /local:other/);
});
