// Owns the choice of engine CPU threads. llama.cpp's default (4) on a 2-core machine was
// measured ~100x slower than 1-2 threads, so the count is always chosen explicitly.
import os from 'node:os';
import { readFileSync } from 'node:fs';

/** Physical cores: unique (physical id, core id) pairs from /proc/cpuinfo on Linux, else logical cores. */
export function physicalCores(cpuinfo?: string): number {
  const logical = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  let text = cpuinfo;
  if (text === undefined) {
    if (process.platform !== 'linux') return logical;
    try { text = readFileSync('/proc/cpuinfo', 'utf8'); } catch { return logical; }
  }
  const cores = new Set<string>();
  let phys = '0';
  for (const line of text.split('\n')) {
    const [k, v] = line.split(':').map((s) => s.trim());
    if (k === 'physical id') phys = v ?? '0';
    if (k === 'core id') cores.add(`${phys}:${v}`);
  }
  return cores.size > 0 ? Math.min(cores.size, logical) : logical;
}

/**
 * Threads for decoding: one core is left to the HTTP server and the OS (the server process does
 * real work per token), so 2 physical cores -> 1 thread, 8 -> 7. Never more than the physical cores.
 */
export function chooseThreads(physical: number, requested?: number): number {
  if (requested !== undefined) return Math.max(1, Math.floor(requested));
  return Math.max(1, physical - 1);
}
