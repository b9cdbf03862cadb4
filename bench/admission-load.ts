// Owns the admission benchmark (issue 3 point 8): aggregate tok/s at 1, 2 and 4 concurrent streams
// through Hearth against the raw engine with the same sequences, and a bounded overload run at
// 10x capacity (only 200 and 429 allowed; TTFT p50/p99 of accepted requests; resident memory).
// Run: node --import tsx bench/admission-load.ts
//   env: BENCH_THREADS=1, BENCH_REPS=2, BENCH_OVERLOAD_S=60, BENCH_OVERLOAD_CLIENTS=20
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureModel } from '../test/support/make-model.js';
import { messagesFor, RESULTS_DIR, stack, wordsForTokens } from './engine-speed.js';
import { startBenchServer, streamChat, type BenchServer } from './lib/hearth-client.js';
import { machineInfo, rssBytes, waitForQuiet } from './lib/machine.js';
import { openRaw, rawLlama } from './lib/raw-engine.js';
import { medianSummary, percentile, round, summarize, type RunSummary } from './lib/stats.js';
import { barChart, lineChart } from './lib/svg-chart.js';

const STREAMS = [1, 2, 4] as const;

interface Memory { serverRssMiB?: number; workerRssMiB?: number }

async function memoryOf(server: BenchServer): Promise<Memory> {
  const { server: s, worker } = await server.pids();
  const mib = (b: number | undefined) => (b === undefined ? undefined : round(b / 2 ** 20, 1));
  const w = worker !== undefined ? mib(rssBytes(worker)) : undefined;
  return { serverRssMiB: mib(rssBytes(s)), ...(w !== undefined ? { workerRssMiB: w } : {}) };
}

export interface OverloadResult {
  seconds: number;
  clients: number;
  maxConcurrency: number;
  maxQueue: number;
  maxTokens: number;
  statuses: Record<string, number>;
  onlyOkAnd429: boolean;
  accepted: number;
  ttftMs: { p50: number; p99: number; max: number };
  memoryStart: Memory;
  memoryEnd: Memory;
  memoryPeak: Memory;
  /** Requests that ended in a network error (counted in statuses as "error"). */
  errors: string[];
}

async function overload(modelPath: string, threads: number, words: number, log: (s: string) => void): Promise<OverloadResult> {
  const seconds = Number(process.env.BENCH_OVERLOAD_S ?? 60);
  const clients = Number(process.env.BENCH_OVERLOAD_CLIENTS ?? 20);
  const maxConcurrency = 2; const maxQueue = 4; const maxTokens = 32;
  const server = await startBenchServer(modelPath, threads, ['--max-concurrency', String(maxConcurrency), '--max-queue', String(maxQueue), '--queue-timeout-ms', '30000']);
  const statuses: Record<string, number> = {};
  const ttfts: number[] = [];
  const errors: string[] = [];
  let peak: Memory = {};
  try {
    // Warm the engine so the start reading is the steady state after load, not the empty process.
    await streamChat(server.hearth.url, server.hearth.adminToken, server.model, messagesFor(1, words), 8);
    const memoryStart = await memoryOf(server);
    peak = { ...memoryStart };
    const deadline = performance.now() + seconds * 1000;
    const sampler = setInterval(() => {
      void memoryOf(server).then((m) => {
        peak = { serverRssMiB: Math.max(peak.serverRssMiB ?? 0, m.serverRssMiB ?? 0), workerRssMiB: Math.max(peak.workerRssMiB ?? 0, m.workerRssMiB ?? 0) };
      });
    }, 1000);
    let seed = 50_000;
    const client = async (c: number): Promise<void> => {
      // Bounded: each client stops at the deadline; every iteration is one request.
      for (let i = 0; i < 100_000 && performance.now() < deadline; i++) {
        try {
          const r = await streamChat(server.hearth.url, server.hearth.adminToken, server.model, messagesFor(seed++ + c, words), maxTokens, AbortSignal.timeout(120_000));
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status === 200) ttfts.push(r.firstToken - r.start);
          else await new Promise((res) => setTimeout(res, 250)); // refused: come back soon (10x pressure stays on)
        } catch (err) {
          statuses.error = (statuses.error ?? 0) + 1;
          if (errors.length < 10) errors.push((err as Error).message);
        }
      }
    };
    log(`overload: ${clients} clients for ${seconds} s against ${maxConcurrency} slots + queue ${maxQueue}`);
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c * 1000)));
    clearInterval(sampler);
    const memoryEnd = await memoryOf(server);
    const accepted = statuses['200'] ?? 0;
    return {
      seconds, clients, maxConcurrency, maxQueue, maxTokens, statuses,
      onlyOkAnd429: Object.keys(statuses).every((k) => k === '200' || k === '429'),
      accepted,
      ttftMs: { p50: round(percentile(ttfts, 50)), p99: round(percentile(ttfts, 99)), max: round(Math.max(0, ...ttfts)) },
      memoryStart, memoryEnd, memoryPeak: peak, errors,
    };
  } finally {
    await server.close();
  }
}

export async function run(opts: { log?: (s: string) => void } = {}): Promise<unknown> {
  const log = opts.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  const threads = Number(process.env.BENCH_THREADS ?? 1);
  const reps = Number(process.env.BENCH_REPS ?? 2);
  const tokens = Number(process.env.BENCH_TOKENS ?? 128);
  await waitForQuiet(1, Number(process.env.BENCH_QUIET_WAIT_MS ?? 0), log);
  const machine = machineInfo();
  const modelPath = ensureModel('bench');
  const llama = await rawLlama(threads);
  const raw = await openRaw(modelPath, { threads, sequences: 4, contextSize: 2048 }, llama);
  const words = wordsForTokens(raw, 65);
  const server = await startBenchServer(modelPath, threads, ['--max-concurrency', '4', '--context-size', '2048']);
  const perRep: Record<'raw' | 'hearth', Record<number, RunSummary[]>> = { raw: {}, hearth: {} };
  let seed = 20_000;
  try {
    const runners = {
      raw: (i: number) => raw.chat(messagesFor(i, words), tokens),
      hearth: (i: number) => streamChat(server.hearth.url, server.hearth.adminToken, server.model, messagesFor(i, words), tokens),
    };
    for (const r of Object.values(runners)) await Promise.all([r(seed++), r(seed++)]); // warm-up
    for (let rep = 0; rep < reps; rep++) {
      for (const n of STREAMS) {
        for (const [name, r] of Object.entries(runners) as Array<['raw' | 'hearth', (i: number) => Promise<import('./lib/stats.js').StreamTiming>]>) {
          const base = (seed += 10);
          const s = summarize(await Promise.all(Array.from({ length: n }, (_, i) => r(base + i))));
          (perRep[name][n] ??= []).push(s);
          log(`rep ${rep + 1} ${name.padEnd(6)} ${n} streams: ${s.aggregateTokS.toFixed(1)} tok/s aggregate, ttft ${s.ttftMs.toFixed(0)} ms`);
        }
      }
    }
  } finally {
    await server.close();
    await raw.close();
    await llama.dispose();
  }
  const throughput = Object.fromEntries(STREAMS.map((n) => {
    const h = medianSummary(perRep.hearth[n]!); const r = medianSummary(perRep.raw[n]!);
    return [n, { hearth: h, raw: r, hearthOverRaw: round(h.aggregateTokS / r.aggregateTokS, 3) }];
  }));
  const over = await overload(modelPath, threads, words, log);
  const result = {
    machine: { ...machine, loadAverageAtEnd: machineInfo().loadAverage },
    settings: { threads, reps, tokensPerStream: tokens, promptWords: words, model: 'bench', sequences: 4 },
    throughput,
    overload: over,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, 'admission-load.json'), `${JSON.stringify(result, null, 2)}\n`);
  const line = lineChart({
    title: `Aggregate tok/s by concurrent streams (bench model, ${threads} thread(s))`, xLabel: 'concurrent streams', unit: 'tok/s',
    series: [
      { label: 'Hearth (HTTP)', points: STREAMS.map((n) => ({ x: n, y: throughput[n]!.hearth.aggregateTokS })) },
      { label: 'node-llama-cpp raw', points: STREAMS.map((n) => ({ x: n, y: throughput[n]!.raw.aggregateTokS })) },
    ],
  });
  const statusBars = barChart({
    title: `Overload: ${over.clients} clients, ${over.seconds} s, ${over.maxConcurrency} slots + queue ${over.maxQueue}`, unit: 'responses',
    series: Object.entries(over.statuses).map(([k, v]) => ({ label: `status ${k}`, value: v })),
  });
  const ttftBars = barChart({
    title: 'Overload: time to first token of accepted requests', unit: 'ms',
    series: [{ label: 'p50', value: over.ttftMs.p50 }, { label: 'p99', value: over.ttftMs.p99 }],
  });
  const memBars = barChart({
    title: 'Overload: resident memory', unit: 'MiB',
    series: [
      { label: 'server start', value: over.memoryStart.serverRssMiB ?? 0 }, { label: 'server end', value: over.memoryEnd.serverRssMiB ?? 0 },
      { label: 'worker start', value: over.memoryStart.workerRssMiB ?? 0 }, { label: 'worker end', value: over.memoryEnd.workerRssMiB ?? 0 },
    ],
  });
  writeFileSync(path.join(RESULTS_DIR, 'admission-load.svg'), stack([line, statusBars, ttftBars, memBars]));
  log(`overload statuses ${JSON.stringify(over.statuses)}; ttft p50 ${over.ttftMs.p50} ms p99 ${over.ttftMs.p99} ms; server RSS ${over.memoryStart.serverRssMiB} -> ${over.memoryEnd.serverRssMiB} MiB, worker ${over.memoryStart.workerRssMiB} -> ${over.memoryEnd.workerRssMiB} MiB`);
  log(`hearth/raw aggregate: ${STREAMS.map((n) => `${n}: ${throughput[n]!.hearthOverRaw}`).join(', ')}`);
  return result;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(() => process.exit(0), (err) => { process.stderr.write(`${(err as Error).stack}\n`); process.exit(1); });
}
