// Owns cross-process exclusive locks on state files: an O_EXCL `<file>.lock` holding the owner's
// pid and start time, with stale detection (dead owner or too old), so that the CLI and a running
// server can both read-modify-write the same file without losing an acknowledged change.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LockOptions {
  /** Give up after this long, ms. Defaults to 10000. */
  timeoutMs?: number;
  /** A lock older than this is stale even when its pid looks alive, ms. Defaults to 30000. */
  staleMs?: number;
}

function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try { process.kill(pid, 0); return true; } catch (err) { return (err as NodeJS.ErrnoException).code === 'EPERM'; }
}

function isStale(content: string, staleMs: number, mtimeMs: number): boolean {
  const [pidS, atS] = content.trim().split(/\s+/);
  const at = Number(atS);
  const age = Date.now() - (Number.isFinite(at) ? at : mtimeMs);
  // An empty/partial lock file: its writer died between open and write, unless it is very fresh.
  if (!pidS) return Date.now() - mtimeMs > 2000;
  return !pidAlive(Number(pidS)) || age > staleMs;
}

function tryAcquire(lockPath: string, staleMs: number): boolean {
  try {
    const fd = fs.openSync(lockPath, 'wx', 0o600);
    try { fs.writeSync(fd, `${process.pid} ${Date.now()}\n`); } finally { fs.closeSync(fd); }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let content: string; let mtimeMs: number;
  try { content = fs.readFileSync(lockPath, 'utf8'); mtimeMs = fs.statSync(lockPath).mtimeMs; } catch { return false; }
  if (!isStale(content, staleMs, mtimeMs)) return false;
  // Break the stale lock: move it aside, and put it back if someone else replaced it meanwhile.
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try { fs.renameSync(lockPath, aside); } catch { return false; }
  const moved = fs.readFileSync(aside, 'utf8');
  if (moved !== content) {
    try { fs.linkSync(aside, lockPath); } catch { /* a third party holds it now; theirs wins */ }
  }
  fs.rmSync(aside, { force: true });
  return false; // retry the O_EXCL create
}

/** Runs `fn` while holding the exclusive lock `<file>.lock`. */
export async function withFileLock<T>(file: string, fn: () => T | Promise<T>, opts: LockOptions = {}): Promise<T> {
  const lockPath = `${file}.lock`;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const staleMs = opts.staleMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    if (tryAcquire(lockPath, staleMs)) break;
    if (Date.now() > deadline) throw new Error(`${file}: could not take the lock ${lockPath} within ${timeoutMs} ms (another hearth process holds it)`);
    await sleep(Math.min(5 + attempt * 2, 50));
  }
  try {
    return await fn();
  } finally {
    try { fs.unlinkSync(lockPath); } catch { /* removed as stale by another process */ }
  }
}
