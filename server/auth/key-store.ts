// Owns API keys: creation (`hth_` + 32 random bytes, base64url), storage of only their SHA-256
// hash in `<data-dir>/keys.json` (0600, atomic, locked read-modify-write so the CLI and a running
// server never lose each other's changes), constant-time verification, revocation, limits, and
// live reload of changes made by another process (fs.watch plus a cheap stat poll).
import { hash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { hearthError } from '../errors/catalog.js';
import { readJsonFile, removeStaleTemps, writeFileAtomicSync } from '../state/atomic-file.js';
import { withFileLock } from '../state/file-lock.js';

export const KEY_PREFIX = 'hth_';
/** `hth_` + base64url of 32 bytes (43 chars). */
const KEY_RE = /^hth_[A-Za-z0-9_-]{43}$/;

export const KeyName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a key name is 1-64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)');
export const KeyLimits = z.object({
  /** Requests per minute. */
  rpm: z.number().int().positive().optional(),
  /** Prompt + completion tokens per minute. */
  tpm: z.number().int().positive().optional(),
  /** Models this key may use (exact names, or `upstream/*`). Absent: all. */
  models: z.array(z.string().min(1)).optional(),
}).strict();
export type KeyLimits = z.infer<typeof KeyLimits>;

export const KeyRecord = z.object({
  id: z.string().min(1),
  name: KeyName,
  /** First characters after `hth_`, for display. */
  prefix: z.string(),
  /** SHA-256 of the whole key, hex. */
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  limits: KeyLimits,
  /** May this key's requests leave the machine to an upstream for spill-over. */
  allowSpill: z.boolean().default(false),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
}).strict();
export type KeyRecord = z.infer<typeof KeyRecord>;
/** A key as shown to people and APIs: everything but the hash. */
export type KeyInfo = Omit<KeyRecord, 'hash'>;

export const KeysFile = z.object({ version: z.literal(1), keys: z.array(KeyRecord) }).strict();
export type KeysFile = z.infer<typeof KeysFile>;

/** Options for create. */
export interface CreateKeyInput { name: string; rpm?: number; tpm?: number; models?: string[]; allowSpill?: boolean }
/** A limits patch: `null` clears a limit, absent leaves it. */
export interface KeyLimitsPatch { rpm?: number | null; tpm?: number | null; models?: string[] | null; allowSpill?: boolean }

export interface KeyStoreOptions {
  /** Poll interval for changes by other processes, ms. Defaults to 300. */
  pollMs?: number;
  /** How long `touch` waits before writing last-used times, ms. Defaults to 5000. */
  touchFlushMs?: number;
  /** Called when a reload finds a bad file (the last good keys stay in force). */
  onError?: (err: Error) => void;
  /** Watch the file for changes by other processes. Defaults to true. */
  watch?: boolean;
}

/** The SHA-256 digest under which a key is stored (the auth middleware hashes each token once with it). */
export const tokenDigest = (s: string) => hash('sha256', s, 'buffer');

/** The current time as ISO text, recomputed at most once a second (last-used times need no finer). */
let isoAt = 0;
let iso = '';
function nowIso(): string {
  const n = Date.now();
  if (n - isoAt >= 1000 || n < isoAt) { isoAt = n; iso = new Date(n).toISOString(); }
  return iso;
}
const infoOf = ({ hash: _hash, ...info }: KeyRecord): KeyInfo => structuredClone(info);

export class KeyStore {
  readonly file: string;
  private keys: KeyRecord[] = [];
  /** Active keys by the hex of their hash, with the hash's bytes (compared per request). */
  private byHash = new Map<string, { rec: KeyRecord; digest: Buffer }>();
  private statSig = '';
  private pendingTouch = new Map<string, string>();
  private touchTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private watcher: fs.FSWatcher | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly opts: Required<Omit<KeyStoreOptions, 'onError'>> & Pick<KeyStoreOptions, 'onError'>;

  private constructor(dataDir: string, opts: KeyStoreOptions) {
    this.file = path.join(dataDir, 'keys.json');
    this.opts = { pollMs: opts.pollMs ?? 300, touchFlushMs: opts.touchFlushMs ?? 5000, watch: opts.watch ?? true, onError: opts.onError };
  }

  /** Opens (and validates) `<dataDir>/keys.json`; throws naming the file and field when it is bad. */
  static open(dataDir: string, opts: KeyStoreOptions = {}): KeyStore {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const s = new KeyStore(dataDir, opts);
    removeStaleTemps(s.file);
    try { s.load(s.readFile()); } catch (err) {
      const bak = `${s.file}.bak`;
      if (!fs.existsSync(bak)) throw err;
      throw new Error(`${(err as Error).message} (the last good version is in ${bak}; check it and copy it over to restore the keys)`, { cause: err });
    }
    if (s.opts.watch) s.startWatching();
    return s;
  }

  private sig(): string {
    try { const st = fs.statSync(this.file); return `${st.ino}:${st.size}:${st.mtimeMs}`; } catch { return 'missing'; }
  }

  /** Reads the file and the stat signature it was read at. */
  private readFile(): { data: KeysFile; sig: string } {
    const sig = this.sig();
    const data = sig === 'missing' ? { version: 1 as const, keys: [] } : readJsonFile(this.file, KeysFile);
    return { data, sig };
  }

  private load({ data, sig }: { data: KeysFile; sig: string }): void {
    this.statSig = sig;
    for (const k of data.keys) {
      const t = this.pendingTouch.get(k.id);
      if (t && (!k.lastUsedAt || k.lastUsedAt < t)) k.lastUsedAt = t;
    }
    this.keys = data.keys;
    this.byHash = new Map(data.keys.filter((k) => !k.revokedAt).map((k) => [k.hash, { rec: k, digest: Buffer.from(k.hash, 'hex') }]));
  }

  /** Re-reads the file if it changed on disk. A bad file keeps the last good keys and reports. */
  reloadIfChanged(): void {
    if (this.sig() === this.statSig) return;
    try { this.load(this.readFile()); } catch (err) { this.statSig = this.sig(); this.opts.onError?.(err as Error); }
  }

  private startWatching(): void {
    try {
      this.watcher = fs.watch(path.dirname(this.file), { persistent: false }, (_ev, name) => {
        if (!name || name.toString() === path.basename(this.file)) this.reloadIfChanged();
      });
      this.watcher.on('error', () => { this.watcher?.close(); this.watcher = undefined; });
    } catch { /* the poll below still works */ }
    this.pollTimer = setInterval(() => this.reloadIfChanged(), this.opts.pollMs);
    this.pollTimer.unref();
  }

  /** Serializes mutations in this process, and locks the file against other processes. */
  private mutate<T>(fn: (data: KeysFile) => T): Promise<T> {
    const run = () => withFileLock(this.file, () => {
      const fresh = this.readFile();
      this.load({ data: structuredClone(fresh.data), sig: fresh.sig });
      const result = fn(fresh.data);
      writeFileAtomicSync(this.file, JSON.stringify(fresh.data, null, 2) + '\n', { mode: 0o600, backup: true });
      this.load({ data: fresh.data, sig: this.sig() });
      return result;
    });
    const p = this.queue.then(run, run);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /** Creates a key. The key itself is returned once and never stored. */
  async create(input: CreateKeyInput): Promise<{ key: string; record: KeyInfo }> {
    const name = KeyName.safeParse(input.name);
    if (!name.success) throw hearthError('ERR_VALIDATION', `invalid key name: ${name.error.issues[0]!.message}`);
    const limits = KeyLimits.safeParse({ rpm: input.rpm, tpm: input.tpm, models: input.models });
    if (!limits.success) throw hearthError('ERR_VALIDATION', `invalid limits: ${limits.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const key = KEY_PREFIX + randomBytes(32).toString('base64url');
    const record: KeyRecord = {
      id: randomUUID(), name: name.data, prefix: key.slice(KEY_PREFIX.length, KEY_PREFIX.length + 8),
      hash: tokenDigest(key).toString('hex'), limits: stripUndefined(limits.data), allowSpill: input.allowSpill ?? false,
      createdAt: new Date().toISOString(), lastUsedAt: null, revokedAt: null,
    };
    await this.mutate((data) => {
      if (data.keys.some((k) => k.name === record.name && !k.revokedAt)) throw hearthError('ERR_CONFLICT', `a key named "${record.name}" already exists`);
      data.keys.push(record);
    });
    return { key, record: infoOf(record) };
  }

  /** All keys (revoked ones included, with revokedAt), without hashes. */
  list(): KeyInfo[] {
    return this.keys.map((k) => {
      const info = infoOf(k);
      const t = this.pendingTouch.get(k.id);
      if (t && (!info.lastUsedAt || info.lastUsedAt < t)) info.lastUsedAt = t;
      return info;
    });
  }

  /** The active key with this name. */
  get(name: string): KeyInfo | undefined {
    const k = this.keys.find((x) => x.name === name && !x.revokedAt);
    return k ? infoOf(k) : undefined;
  }

  /** Revokes the active key `name`. Throws ERR_NOT_FOUND when there is none. */
  async revoke(name: string): Promise<KeyInfo> {
    return this.mutate((data) => {
      const k = data.keys.find((x) => x.name === name && !x.revokedAt);
      if (!k) throw hearthError('ERR_NOT_FOUND', `no active key named "${name}"`);
      k.revokedAt = new Date().toISOString();
      return infoOf(k);
    });
  }

  /** Changes the limits (and allowSpill) of the active key `name`; `null` clears a limit. */
  async update(name: string, patch: KeyLimitsPatch): Promise<KeyInfo> {
    return this.mutate((data) => {
      const k = data.keys.find((x) => x.name === name && !x.revokedAt);
      if (!k) throw hearthError('ERR_NOT_FOUND', `no active key named "${name}"`);
      const next: Record<string, unknown> = { ...k.limits };
      for (const f of ['rpm', 'tpm', 'models'] as const) {
        if (patch[f] === null) delete next[f];
        else if (patch[f] !== undefined) next[f] = patch[f];
      }
      const limits = KeyLimits.safeParse(next);
      if (!limits.success) throw hearthError('ERR_VALIDATION', `invalid limits: ${limits.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      k.limits = limits.data;
      if (patch.allowSpill !== undefined) k.allowSpill = patch.allowSpill;
      return infoOf(k);
    });
  }

  /** The active key record for `token`, or undefined. Constant-time hash comparison. `digest`: its SHA-256 when the caller has it. */
  verify(token: string, digest?: Buffer): KeyRecord | undefined {
    if (typeof token !== 'string' || !KEY_RE.test(token)) return undefined;
    digest ??= tokenDigest(token);
    const hit = this.byHash.get(digest.toString('hex'));
    if (!hit) return undefined;
    if (hit.digest.length !== digest.length || !timingSafeEqual(hit.digest, digest)) return undefined;
    return hit.rec.revokedAt ? undefined : hit.rec;
  }

  /** Records a use of key `id`; written lazily (debounced), never an fsync per request. */
  touch(id: string): void {
    this.pendingTouch.set(id, nowIso());
    if (!this.touchTimer) {
      this.touchTimer = setTimeout(() => { this.touchTimer = undefined; this.flush().catch((err) => this.opts.onError?.(err as Error)); }, this.opts.touchFlushMs);
      this.touchTimer.unref();
    }
  }

  /** Writes pending last-used times now. */
  async flush(): Promise<void> {
    if (this.touchTimer) { clearTimeout(this.touchTimer); this.touchTimer = undefined; }
    if (this.pendingTouch.size === 0) return;
    const pending = new Map(this.pendingTouch);
    await this.mutate((data) => {
      for (const k of data.keys) {
        const t = pending.get(k.id);
        if (t && (!k.lastUsedAt || k.lastUsedAt < t)) k.lastUsedAt = t;
      }
    });
    for (const [id, t] of pending) if (this.pendingTouch.get(id) === t) this.pendingTouch.delete(id);
  }

  /** Stops watching and flushes last-used times. */
  async close(): Promise<void> {
    this.watcher?.close(); this.watcher = undefined;
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
    await this.flush();
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
