// Owns the per-token cost of the engine worker protocol (issue 2): how many microseconds one
// streamed token's `delta` message costs between the worker and the server, through a real
// Node IPC channel, with the zod validation of server/contract/worker-protocol.ts and without.
// Run: node --import tsx bench/ipc-cost.ts   (writes bench/results/ipc-cost.json)
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FromWorker } from '../server/contract/worker-protocol.js';
import { machineInfo, waitForQuiet } from './lib/machine.js';
import { median, round } from './lib/stats.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export interface IpcCost {
  messages: number;
  /** End-to-end through the IPC channel (child serializes, parent deserializes + handles). */
  ipcUsPerTokenValidated: number;
  ipcUsPerTokenUnvalidated: number;
  ipcMessagesPerSecondValidated: number;
  /** CPU of the zod parse alone for one delta message, in the server process. */
  zodParseUsPerMessage: number;
  /** CPU of JSON.stringify + JSON.parse of one delta message. */
  jsonRoundTripUsPerMessage: number;
  note: string;
}

function throughIpc(n: number, validate: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(HERE, 'lib', 'ipc-sender.ts'), [String(n)], { execArgv: ['--import', 'tsx'], serialization: 'json', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let t0 = 0; let got = 0;
    child.on('message', (raw) => {
      const m = validate ? FromWorker.parse(raw) : (raw as FromWorker);
      if (m.t === 'delta') { if (got++ === 0) t0 = performance.now(); return; }
      if (m.t === 'done') { const us = ((performance.now() - t0) * 1000) / Math.max(1, got - 1); resolve(us); }
    });
    child.on('error', reject);
    child.on('exit', (code) => { if (got < n) reject(new Error(`sender exited ${code} after ${got}`)); });
    child.send('go');
  });
}

function cpuPerMessage(n: number): { zod: number; json: number } {
  const msg = { t: 'delta', id: 123, text: ' token' };
  const wire = JSON.stringify(msg);
  let t = performance.now();
  for (let i = 0; i < n; i++) FromWorker.parse(JSON.parse(wire));
  const both = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < n; i++) JSON.parse(JSON.stringify(msg));
  const json = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < n; i++) JSON.parse(wire);
  const parseOnly = performance.now() - t;
  return { zod: ((both - parseOnly) * 1000) / n, json: (json * 1000) / n };
}

export async function measureIpcCost(n = 20_000, reps = 3): Promise<IpcCost> {
  await throughIpc(2000, true); // warm-up (tsx start, JIT)
  const v: number[] = []; const u: number[] = []; const z: number[] = []; const j: number[] = [];
  for (let r = 0; r < reps; r++) {
    v.push(await throughIpc(n, true));
    u.push(await throughIpc(n, false));
    const c = cpuPerMessage(n); z.push(c.zod); j.push(c.json);
  }
  const validated = median(v);
  return {
    messages: n,
    ipcUsPerTokenValidated: round(validated, 2),
    ipcUsPerTokenUnvalidated: round(median(u), 2),
    ipcMessagesPerSecondValidated: Math.round(1e6 / validated),
    zodParseUsPerMessage: round(median(z), 3),
    jsonRoundTripUsPerMessage: round(median(j), 3),
    note: 'One delta message per generated token (the worker sends one per text chunk). Messages are sent as fast as the channel takes them, so the µs figure is the channel\'s cost per token, paid on two cores shared with decoding.',
  };
}

export async function run(): Promise<IpcCost> {
  await waitForQuiet(1, Number(process.env.BENCH_QUIET_WAIT_MS ?? 0));
  const res = await measureIpcCost();
  mkdirSync(path.join(HERE, 'results'), { recursive: true });
  writeFileSync(path.join(HERE, 'results', 'ipc-cost.json'), `${JSON.stringify({ machine: machineInfo(), ...res }, null, 2)}\n`);
  process.stdout.write(`ipc-cost: ${res.ipcUsPerTokenValidated} µs/token through IPC with zod (${res.ipcUsPerTokenUnvalidated} without); zod parse ${res.zodParseUsPerMessage} µs/message\n`);
  return res;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  run().then(() => process.exit(0), (err) => { process.stderr.write(`${(err as Error).stack}\n`); process.exit(1); });
}
