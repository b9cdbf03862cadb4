// Owns the Prometheus metrics: one prom-client Registry per server (never the global default),
// the metric definitions, and the binding that reads queue/slot gauges from Admission at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Admission, PoolStatus } from '../scheduler/admission.js';

/** Seconds buckets for time to first token (prompt evaluation + queueing). */
const TTFT_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];
/** Seconds buckets for the gap between two tokens. */
const INTER_TOKEN_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'route' | 'status'>;
  inFlight: Gauge<string>;
  queueDepth: Gauge<'pool'>;
  slotsUsed: Gauge<'pool'>;
  slotsTotal: Gauge<'pool'>;
  estimatedWait: Gauge<'pool'>;
  ttft: Histogram<'pool'>;
  interToken: Histogram<'pool'>;
  tokensIn: Counter<'pool'>;
  tokensOut: Counter<'pool'>;
  rejections: Counter<'pool' | 'reason'>;
  engineRestarts: Counter<string>;
  /** Adds a source of pool figures read at each scrape. Returns a function that removes it. */
  addPoolSource(source: () => Record<string, PoolStatus>): () => void;
}

/** Builds a fresh registry with every Hearth metric. `defaultMetrics` adds process metrics (RSS, CPU, event loop); defaults to true. */
export function createMetrics(opts: { defaultMetrics?: boolean; prefix?: string } = {}): Metrics {
  const prefix = opts.prefix ?? 'hearth_';
  const registry = new Registry();
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix });

  const sources = new Set<() => Record<string, PoolStatus>>();
  /** Gauge collect: reset, then set each pool's value from every source (pools that vanished disappear). */
  const fromPools = (pick: (s: PoolStatus) => number) => function collect(this: Gauge<'pool'>): void {
    this.reset();
    for (const source of sources) {
      for (const [pool, s] of Object.entries(source())) this.set({ pool }, pick(s));
    }
  };

  const metrics: Metrics = {
    registry,
    httpRequests: new Counter({ name: `${prefix}http_requests_total`, help: 'HTTP requests by route and status.', labelNames: ['route', 'status'] as const, registers: [registry] }),
    inFlight: new Gauge({ name: `${prefix}http_in_flight_requests`, help: 'HTTP requests being served now.', registers: [registry] }),
    queueDepth: new Gauge({ name: `${prefix}queue_depth`, help: 'Requests waiting for a slot, by pool.', labelNames: ['pool'] as const, registers: [registry], collect: fromPools((s) => s.queueDepth) }),
    slotsUsed: new Gauge({ name: `${prefix}slots_used`, help: 'Slots in use, by pool.', labelNames: ['pool'] as const, registers: [registry], collect: fromPools((s) => s.slotsUsed) }),
    slotsTotal: new Gauge({ name: `${prefix}slots_total`, help: 'Slots available, by pool.', labelNames: ['pool'] as const, registers: [registry], collect: fromPools((s) => s.slotsTotal) }),
    estimatedWait: new Gauge({ name: `${prefix}estimated_wait_seconds`, help: 'Estimated wait for a new request, by pool.', labelNames: ['pool'] as const, registers: [registry], collect: fromPools((s) => s.estimatedWaitMs / 1000) }),
    ttft: new Histogram({ name: `${prefix}time_to_first_token_seconds`, help: 'Time from request to first token, by pool.', labelNames: ['pool'] as const, buckets: TTFT_BUCKETS, registers: [registry] }),
    interToken: new Histogram({ name: `${prefix}inter_token_seconds`, help: 'Time between consecutive tokens, by pool.', labelNames: ['pool'] as const, buckets: INTER_TOKEN_BUCKETS, registers: [registry] }),
    tokensIn: new Counter({ name: `${prefix}tokens_in_total`, help: 'Prompt tokens, by pool.', labelNames: ['pool'] as const, registers: [registry] }),
    tokensOut: new Counter({ name: `${prefix}tokens_out_total`, help: 'Generated tokens, by pool.', labelNames: ['pool'] as const, registers: [registry] }),
    rejections: new Counter({ name: `${prefix}rejections_total`, help: 'Requests refused with 429, by pool and reason.', labelNames: ['pool', 'reason'] as const, registers: [registry] }),
    engineRestarts: new Counter({ name: `${prefix}engine_restarts_total`, help: 'Engine worker restarts.', registers: [registry] }),
    addPoolSource(source) {
      sources.add(source);
      return () => { sources.delete(source); };
    },
  };
  return metrics;
}

/** Reads queue/slot gauges from `admission` at each scrape and counts its refusals. Returns an unbind function. */
export function bindAdmission(metrics: Metrics, admission: Admission): () => void {
  const removeSource = metrics.addPoolSource(() => admission.snapshot());
  const unsubscribe = admission.onRejection((pool, reason) => metrics.rejections.inc({ pool, reason }));
  return () => { removeSource(); unsubscribe(); };
}

/** The /metrics response: Prometheus text and its content type. */
export async function renderMetrics(metrics: Metrics): Promise<{ contentType: string; body: string }> {
  return { contentType: metrics.registry.contentType, body: await metrics.registry.metrics() };
}
