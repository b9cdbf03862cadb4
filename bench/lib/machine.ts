// Owns the machine description written into every benchmark result: CPU, cores, memory,
// Node and node-llama-cpp versions, date and load average, and a wait for a quieter machine.
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { physicalCores } from '../../server/engine/threads.js';

export interface MachineInfo {
  cpuModel: string;
  logicalCores: number;
  physicalCores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  nodeLlamaCpp: string;
  date: string;
  loadAverage: number[];
}

export function nodeLlamaCppVersion(): string {
  try {
    // The package's "exports" hide package.json; find it beside the resolved entry instead.
    const entry = createRequire(import.meta.url).resolve('node-llama-cpp');
    const root = entry.slice(0, entry.lastIndexOf(`${path.sep}node-llama-cpp${path.sep}`) + `${path.sep}node-llama-cpp`.length);
    return (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  } catch { return 'unknown'; }
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    logicalCores: os.cpus().length,
    physicalCores: physicalCores(),
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    nodeLlamaCpp: nodeLlamaCppVersion(),
    date: new Date().toISOString(),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Waits (bounded by maxWaitMs) until the 1-minute load average is below `below`; returns the load seen. */
export async function waitForQuiet(below: number, maxWaitMs: number, log: (s: string) => void = () => undefined): Promise<number> {
  const until = Date.now() + maxWaitMs;
  let l = os.loadavg()[0]!;
  while (l >= below && Date.now() < until) {
    log(`load average ${l.toFixed(2)} >= ${below}; waiting`);
    await new Promise((r) => setTimeout(r, 10_000));
    l = os.loadavg()[0]!;
  }
  return l;
}

/** Resident set size of a process in bytes (Linux /proc), or undefined. */
export function rssBytes(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : undefined;
  } catch { return undefined; }
}
