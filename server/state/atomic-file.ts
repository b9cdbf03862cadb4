// Owns crash-safe state files: atomic writes (temp file in the same directory, fsync, rename,
// fsync of the directory), zod-validated reads whose errors name the file and the field, and an
// optional `<file>.bak` of the last good version to start from when the main file is corrupt.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

export interface WriteOptions {
  /** File mode of the written file. Defaults to 0o600. */
  mode?: number;
  /** Also write the same data to `<file>.bak` (after the main file), the last good version. */
  backup?: boolean;
}

function fsyncDir(dir: string): void {
  // Directories cannot be opened for fsync on Windows; the rename is still atomic there.
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}

function writeOne(file: string, data: string | Uint8Array, mode: number): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  const fd = fs.openSync(tmp, 'wx', mode);
  try {
    try {
      fs.writeFileSync(fd, data);
      fs.fsyncSync(fd);
    } finally { fs.closeSync(fd); }
    fs.chmodSync(tmp, mode); // the umask may have narrowed or the platform ignored the open mode
    fs.renameSync(tmp, file);
  } catch (err) {
    try { fs.unlinkSync(tmp); } catch { /* already renamed or never created */ }
    throw err;
  }
  fsyncDir(dir);
}

/** Writes `data` to `file` atomically and durably (synchronous). Creates the directory. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array, opts: WriteOptions = {}): void {
  const mode = opts.mode ?? 0o600;
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeOne(file, data, mode);
  if (opts.backup) writeOne(backupPath(file), data, mode);
}

/** Writes `data` to `file` atomically and durably. Creates the directory. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, opts: WriteOptions = {}): Promise<void> {
  writeFileAtomicSync(file, data, opts);
}

/** Removes temp files a killed writer left beside `file` and its backup (only those whose writer pid is gone). */
export function removeStaleTemps(file: string): void {
  const dir = path.dirname(file);
  const re = new RegExp(`^\\.${path.basename(file).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\\.bak)?\\.tmp-(\\d+)-[0-9a-f]+$`);
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return; }
  for (const n of names) {
    const m = re.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    let alive = pid === process.pid;
    if (!alive) { try { process.kill(pid, 0); alive = true; } catch (err) { alive = (err as NodeJS.ErrnoException).code === 'EPERM'; } }
    if (!alive) fs.rmSync(path.join(dir, n), { force: true });
  }
}

/** The backup path of a state file. */
export function backupPath(file: string): string { return `${file}.bak`; }

/** Formats a zod issue path as `keys[3].hash`. */
export function formatIssuePath(p: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : (out ? '.' : '') + String(seg);
  return out || '(root)';
}

/** Validates parsed JSON; on failure throws an Error naming the file and the failing field. */
export function validateJson<S extends z.ZodType>(file: string, value: unknown, schema: S): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
    throw new Error(`${file}: invalid field ${formatIssuePath(issue.path)}: ${issue.message}${more}`);
  }
  return r.data;
}

/** Reads and validates a JSON file. Throws an Error naming the file (and the field) when it is bad. */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S): z.output<S> {
  const text = fs.readFileSync(file, 'utf8');
  let value: unknown;
  try { value = JSON.parse(text); } catch (err) {
    throw new Error(`${file}: not valid JSON: ${(err as Error).message}`);
  }
  return validateJson(file, value, schema);
}

export type LoadResult<T> =
  | { source: 'file'; data: T }
  | { source: 'backup'; data: T; /** Why the main file was not used (names file and field). */ error: string }
  | { source: 'missing'; data: undefined };

/**
 * Loads `file`, or, when it is missing or bad, its `.bak` (and says so in the result: the caller
 * must report it). Throws the main file's error when neither is usable; never silently resets.
 */
export function loadWithBackup<S extends z.ZodType>(file: string, schema: S): LoadResult<z.output<S>> {
  const bak = backupPath(file);
  let mainError: Error;
  try {
    return { source: 'file', data: readJsonFile(file, schema) };
  } catch (err) {
    mainError = err as Error;
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    if (missing && !fs.existsSync(bak)) return { source: 'missing', data: undefined };
  }
  try {
    return { source: 'backup', data: readJsonFile(bak, schema), error: (mainError as NodeJS.ErrnoException).code === 'ENOENT' ? `${file}: missing` : mainError.message };
  } catch (bakErr) {
    if ((mainError as NodeJS.ErrnoException).code === 'ENOENT') throw bakErr;
    throw new Error(`${mainError.message}; backup ${bak} is not usable either: ${(bakErr as Error).message}`, { cause: mainError });
  }
}
