// Owns the engine speed benchmark (issue 7, issue 2 point 6): in one sitting, on the bench model
// with the same threads, node-llama-cpp raw in-process against Hearth through HTTP at 1 and 4
// streams, and prefill of a ~1000-token prompt. Writes bench/results/engine-speed.{json,svg}.
// Run: node --import tsx bench/engine-speed.ts   (env: BENCH_THREADS=1, BENCH_REPS=5, BENCH_TOKENS=128)
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureModel, MODEL_SPECS } from '../test/support/make-model.js';
import { startBenchServer, streamChat } from './lib/hearth-client.js';
import { machineInfo, waitForQuiet } from './lib/machine.js';
import { openRaw, rawLlama, type ChatMessage, type RawEngine } from './lib/raw-engine.js';
import { median, medianSummary, round, summarize, type RunSummary, type StreamTiming } from './lib/stats.js';
import { barChart } from './lib/svg-chart.js';
import { measureIpcCost, type IpcCost } from './ipc-cost.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const RESULTS_DIR = path.join(HERE, 'results');

const WORDS = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega'.split(' ');

/** A distinct user prompt (distinct so no stream can reuse another's cache), `words` words long. */
export function promptText(seed: number, words: number): string {
  const w: string[] = [];
  for (let k = 0; k < words; k++) w.push(WORDS[(k * 7 + seed * 5 + Math.floor(k / 24)) % WORDS.length]!);
  return `Request ${seed}: ${w.join(' ')}`;
}

export function messagesFor(seed: number, words: number): ChatMessage[] {
  return [{ role: 'user', content: promptText(seed, words) }];
}

/** Fewest words whose chat prompt reaches `target` tokens (the bench model's tokenizer). */
export function wordsForTokens(raw: RawEngine, target: number): number {
  let lo = 1; let hi = 2000;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (raw.promptTokens(messagesFor(0, mid)) >= target) hi = mid; else lo = mid + 1;
  }
  return lo;
}

/** The three things measured for one engine. */
export interface EngineFigures {
  oneStream: RunSummary;
  fourStreams: RunSummary;
  prefill: { promptTokens: number; ms: number; tokS: number };
}

type Runner = (messages: ChatMessage[], maxTokens: number) => Promise<StreamTiming & { promptTokens?: number }>;

async function parallel(run: Runner, n: number, seedBase: number, words: number, tokens: number): Promise<RunSummary> {
  const timings = await Promise.all(Array.from({ length: n }, (_, i) => run(messagesFor(seedBase + i, words), tokens)));
  for (const t of timings) if (t.tokens === 0) throw new Error('a stream produced no tokens');
  return summarize(timings);
}

async function prefill(run: Runner, seed: number, longWords: number, knownTokens: number): Promise<{ promptTokens: number; ms: number; tokS: number }> {
  const t = await run(messagesFor(seed, longWords), 1);
  const ms = Math.min(t.firstToken, t.end) - t.start;
  const promptTokens = t.promptTokens || knownTokens;
  return { promptTokens, ms, tokS: promptTokens / (ms / 1000) };
}

export interface EngineSpeedResult {
  machine: ReturnType<typeof machineInfo> & { loadAverageAtEnd: number[] };
  settings: { threads: number; reps: number; tokensPerStream: number; promptTokens: number; longPromptTokens: number; model: string; contextSizePerSequence: number; sequences: number };
  engines: Record<string, EngineFigures>;
  reps: Record<string, EngineFigures[]>;
  ratios: Record<string, { value: number; goal: number; pass: boolean; what: string }>;
  ipc?: IpcCost;
}

export async function run(opts: { log?: (s: string) => void } = {}): Promise<EngineSpeedResult> {
  const log = opts.log ?? ((s: string) => process.stdout.write(`${s}\n`));
  const threads = Number(process.env.BENCH_THREADS ?? 1);
  const reps = Number(process.env.BENCH_REPS ?? 5);
  const tokens = Number(process.env.BENCH_TOKENS ?? 128);
  const contextSize = 2048;
  const sequences = 4;
  await waitForQuiet(1, Number(process.env.BENCH_QUIET_WAIT_MS ?? 0), log);
  const machine = machineInfo();
  const modelPath = ensureModel('bench');
  log(`engine-speed: ${machine.cpuModel}, ${machine.physicalCores} cores, load ${machine.loadAverage.join(' ')}, threads ${threads}, ${reps} reps`);

  const llama = await rawLlama(threads);
  // "raw": node-llama-cpp as it comes (default batching, default context settings).
  const raw = await openRaw(modelPath, { threads, sequences, contextSize }, llama);
  // "raw+batch-sync": the same in-process engine with the batching Hearth's worker uses.
  const rawSync = await openRaw(modelPath, { threads, sequences, contextSize, dispatch: 'hearth' }, llama);
  const server = await startBenchServer(modelPath, threads, ['--max-concurrency', String(sequences), '--max-queue', '16', '--context-size', String(contextSize)]);
  const words = wordsForTokens(raw, 65);
  const longWords = wordsForTokens(raw, 1000);
  const promptTokens = raw.promptTokens(messagesFor(0, words));
  const longPromptTokens = raw.promptTokens(messagesFor(0, longWords));
  log(`prompt ${promptTokens} tokens (${words} words), long prompt ${longPromptTokens} tokens`);

  const runners: Record<string, Runner> = {
    raw: (m, n) => raw.chat(m, n),
    'raw+batch-sync': (m, n) => rawSync.chat(m, n),
    hearth: (m, n) => streamChat(server.hearth.url, server.hearth.adminToken, server.model, m, n),
  };
  const perRep: Record<string, EngineFigures[]> = Object.fromEntries(Object.keys(runners).map((k) => [k, []]));
  let seed = 1000;
  try {
    // Warm-up: every engine, both shapes, once.
    for (const r of Object.values(runners)) { await parallel(r, 1, seed, words, 16); await parallel(r, 4, seed += 10, words, 16); }
    for (let rep = 0; rep < reps; rep++) {
      // Shape-major and rotated each rep: the engines are compared seconds apart, in every order,
      // so that drift in this shared machine's speed falls on all of them alike.
      const names = Object.keys(runners);
      const order = names.map((_, i) => names[(i + rep) % names.length]!);
      const got: Record<string, Partial<EngineFigures>> = Object.fromEntries(names.map((n) => [n, {}]));
      // One stream is short (~1 s), so each rep takes the median of 3 alternated runs per engine.
      const singles: Record<string, RunSummary[]> = Object.fromEntries(names.map((n) => [n, []]));
      for (let k = 0; k < 3; k++) for (const name of order) singles[name]!.push(await parallel(runners[name]!, 1, seed += 10, words, tokens));
      for (const name of order) got[name]!.oneStream = medianSummary(singles[name]!);
      for (const name of order) got[name]!.fourStreams = await parallel(runners[name]!, 4, seed += 10, words, tokens);
      for (const name of order) got[name]!.prefill = await prefill(runners[name]!, seed += 10, longWords, longPromptTokens);
      for (const name of names) {
        const f = got[name] as EngineFigures;
        perRep[name]!.push(f);
        log(`rep ${rep + 1} ${name.padEnd(15)} 1 stream ${f.oneStream.aggregateTokS.toFixed(1)} tok/s (ttft ${f.oneStream.ttftMs.toFixed(0)} ms) | 4 streams ${f.fourStreams.aggregateTokS.toFixed(1)} tok/s (ttft ${f.fourStreams.ttftMs.toFixed(0)} ms) | prefill ${f.prefill.tokS.toFixed(0)} tok/s`);
      }
    }
  } finally {
    await server.close();
    await rawSync.close();
    await raw.close();
    await llama.dispose();
  }

  const engines: Record<string, EngineFigures> = {};
  for (const [name, list] of Object.entries(perRep)) {
    engines[name] = {
      oneStream: medianSummary(list.map((x) => x.oneStream)),
      fourStreams: medianSummary(list.map((x) => x.fourStreams)),
      prefill: {
        promptTokens: median(list.map((x) => x.prefill.promptTokens)),
        ms: median(list.map((x) => x.prefill.ms)),
        tokS: median(list.map((x) => x.prefill.tokS)),
      },
    };
  }
  // Each ratio is taken within one rep (the two figures were measured seconds apart), then the
  // median over reps: paired, so that slow drift of this shared machine cancels out.
  type Pick = (f: EngineFigures) => number;
  const agg1: Pick = (f) => f.oneStream.aggregateTokS;
  const agg4: Pick = (f) => f.fourStreams.aggregateTokS;
  const dec1: Pick = (f) => f.oneStream.decodeAggregateTokS;
  const pre: Pick = (f) => f.prefill.tokS;
  const paired = (a: string, pa: Pick, b: string, pb: Pick): number =>
    median(perRep[a]!.map((fa, i) => pa(fa) / pb(perRep[b]![i]!)));
  const ratio = (value: number, goal: number, what: string) => ({ value: round(value, 3), goal, pass: value >= goal, what });
  const ratios = {
    hearth1_over_raw1: ratio(paired('hearth', agg1, 'raw', agg1), 0.95, 'Hearth (HTTP) 1-stream tok/s / node-llama-cpp raw 1-stream tok/s'),
    hearth4_over_raw4: ratio(paired('hearth', agg4, 'raw', agg4), 0.95, 'Hearth (HTTP) 4-stream aggregate / node-llama-cpp raw 4-stream aggregate'),
    hearth4_over_hearth1: ratio(paired('hearth', agg4, 'hearth', agg1), 1.35, 'Hearth 4-stream aggregate / Hearth 1-stream'),
    hearthPrefill_over_hearth1Decode: ratio(paired('hearth', pre, 'hearth', dec1), 6, 'Hearth prefill tok/s / Hearth 1-stream decode tok/s'),
    hearth1_over_rawSync1: ratio(paired('hearth', agg1, 'raw+batch-sync', agg1), 0.95, 'HTTP+IPC overhead at 1 stream: Hearth / same engine settings in-process'),
    hearth4_over_rawSync4: ratio(paired('hearth', agg4, 'raw+batch-sync', agg4), 0.95, 'HTTP+IPC overhead at 4 streams: Hearth / same engine settings in-process'),
    rawSync4_over_rawSync1: ratio(paired('raw+batch-sync', agg4, 'raw+batch-sync', agg1), 0, 'reference: in-process with Hearth batching, 4-stream / 1-stream'),
    raw4_over_raw1: ratio(paired('raw', agg4, 'raw', agg1), 0, 'reference: node-llama-cpp raw 4-stream / 1-stream'),
    rawPrefill_over_raw1Decode: ratio(paired('raw', pre, 'raw', dec1), 0, 'reference: node-llama-cpp raw prefill / decode'),
  };
  let ipc: IpcCost | undefined;
  try { ipc = await measureIpcCost(); } catch (err) { log(`ipc cost not measured: ${(err as Error).message}`); }
  const result: EngineSpeedResult = {
    machine: { ...machine, loadAverageAtEnd: machineInfo().loadAverage },
    settings: { threads, reps, tokensPerStream: tokens, promptTokens, longPromptTokens, model: `bench (${JSON.stringify(MODEL_SPECS.bench)})`, contextSizePerSequence: contextSize, sequences },
    engines, reps: perRep, ratios, ...(ipc ? { ipc } : {}),
  };
  writeResults(result);
  for (const [k, v] of Object.entries(ratios)) log(`${v.pass ? 'PASS' : 'FAIL'} ${k} = ${v.value} (goal ≥ ${v.goal}) — ${v.what}`);
  return result;
}

function writeResults(res: EngineSpeedResult): void {
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(path.join(RESULTS_DIR, 'engine-speed.json'), `${JSON.stringify(res, null, 2)}\n`);
  const series = Object.entries(res.engines).flatMap(([name, e]) => [
    { label: `${name}: 1 stream`, value: e.oneStream.aggregateTokS },
    { label: `${name}: 4 streams (aggregate)`, value: e.fourStreams.aggregateTokS },
  ]);
  const prefill = Object.entries(res.engines).map(([name, e]) => ({ label: `${name}: prefill ${e.prefill.promptTokens} tokens`, value: e.prefill.tokS }));
  const ttft = Object.entries(res.engines).map(([name, e]) => ({ label: `${name}: TTFT, 4 streams`, value: e.fourStreams.ttftMs }));
  const a = barChart({ title: `Decode tok/s, ${res.settings.tokensPerStream} tokens/stream, ${res.settings.threads} thread(s) — ${res.machine.cpuModel}`, unit: 'tok/s', series });
  const b = barChart({ title: 'Prefill tok/s', unit: 'tok/s', series: prefill });
  const c = barChart({ title: 'Time to first token (mean of 4 parallel streams)', unit: 'ms', series: ttft });
  writeFileSync(path.join(RESULTS_DIR, 'engine-speed.svg'), stack([a, b, c]));
}

/** Stacks several SVG documents vertically into one. */
export function stack(svgs: string[]): string {
  let y = 0; let width = 0;
  const parts = svgs.map((s) => {
    const w = Number(/width="(\d+)"/.exec(s)?.[1] ?? 760); const h = Number(/height="(\d+)"/.exec(s)?.[1] ?? 300);
    const part = `<g transform="translate(0 ${y})">${s.replace(/^<svg[^>]*>/, '').replace(/<\/svg>\s*$/, '')}</g>`;
    y += h; width = Math.max(width, w);
    return part;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif" font-size="12">\n${parts.join('\n')}\n</svg>\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(() => process.exit(0), (err) => { process.stderr.write(`${(err as Error).stack}\n`); process.exit(1); });
}
