// Owns the arithmetic of the benchmarks: per-stream timings, aggregates of parallel runs,
// medians and percentiles. Pure functions, no I/O.

/** One stream's timeline, in `performance.now()` milliseconds. */
export interface StreamTiming {
  start: number;
  firstToken: number;
  lastToken: number;
  end: number;
  /** Generated tokens. */
  tokens: number;
}

/** What one run of N parallel streams achieved. */
export interface RunSummary {
  streams: number;
  /** All generated tokens / wall time from the first request to the last stream's end (prefill included). */
  aggregateTokS: number;
  /** Mean over streams of tokens / (end - start). */
  perStreamTokS: number;
  /** Decode only: (tokens - 1) summed / (last token of all - first token of all). */
  decodeAggregateTokS: number;
  /** Mean time to first token, ms. */
  ttftMs: number;
  /** Best and worst time to first token, ms (close together when the prompts shared a batch). */
  ttftMinMs: number;
  ttftMaxMs: number;
  tokens: number;
  wallMs: number;
}

export function summarize(timings: StreamTiming[]): RunSummary {
  const start = Math.min(...timings.map((t) => t.start));
  const end = Math.max(...timings.map((t) => t.end));
  const firstTok = Math.min(...timings.map((t) => t.firstToken));
  const lastTok = Math.max(...timings.map((t) => t.lastToken));
  const tokens = timings.reduce((a, t) => a + t.tokens, 0);
  const decodeTokens = timings.reduce((a, t) => a + Math.max(0, t.tokens - 1), 0);
  const wallMs = end - start;
  return {
    streams: timings.length,
    aggregateTokS: tokens / (wallMs / 1000),
    perStreamTokS: mean(timings.map((t) => t.tokens / ((t.end - t.start) / 1000))),
    decodeAggregateTokS: lastTok > firstTok ? decodeTokens / ((lastTok - firstTok) / 1000) : 0,
    ttftMs: mean(timings.map((t) => t.firstToken - t.start)),
    ttftMinMs: Math.min(...timings.map((t) => t.firstToken - t.start)),
    ttftMaxMs: Math.max(...timings.map((t) => t.firstToken - t.start)),
    tokens,
    wallMs,
  };
}

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** Percentile (0..100) by nearest rank on a copy; 0 for an empty list. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i]!;
}

export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Field-wise median of several run summaries (each field independently). */
export function medianSummary(runs: RunSummary[]): RunSummary {
  const keys = Object.keys(runs[0]!) as Array<keyof RunSummary>;
  const out = {} as RunSummary;
  for (const k of keys) out[k] = median(runs.map((r) => r[k]));
  return out;
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
