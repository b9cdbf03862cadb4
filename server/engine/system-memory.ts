// Owns how much RAM is free for new work. On Linux os.freemem() is MemFree, which excludes the
// page cache the kernel would give back at once; MemAvailable is the honest figure.
import os from 'node:os';
import { readFileSync } from 'node:fs';

/** Bytes of RAM available for new allocations without swapping. */
export function availableRam(meminfo?: string): number {
  let text = meminfo;
  if (text === undefined && process.platform === 'linux') {
    try { text = readFileSync('/proc/meminfo', 'utf8'); } catch { text = undefined; }
  }
  const m = text ? /^MemAvailable:\s+(\d+)\s+kB/m.exec(text) : null;
  return m ? Number(m[1]) * 1024 : os.freemem();
}
