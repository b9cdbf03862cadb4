// Owns pulling a model from `http(s)://` or `hf:owner/repo/path/file.gguf` into the models dir:
// download to `<name>.gguf.partial` (never listed), resume with Range (If-Range on the ETag) after
// a cut, restart when the server ignores Range, verify the sha256 (given, or from the Hugging Face
// tree API), pre-validate the GGUF, and only then rename to `<name>.gguf`. Any failure or a
// cancellation removes the partial file.
//
// Why not node-llama-cpp's `createModelDownloader`: it may only be imported under server/engine/
// (the engine runs in its own process), it checks only the size, it picks its own temp-file names
// (so we cannot keep "partial never listed" nor pre-validate before the final name appears), it
// has no hook for the checksum or for a restart policy when Range is ignored, and its `hf:`
// resolution does not take our HEARTH_HF_ENDPOINT. What we would keep (a Range resume and progress)
// is ~150 lines over Node's fetch, so this module does it directly.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { hearthError, HearthError } from '../errors/catalog.js';
import type { PullProgress, PulledModel } from '../contract/models.js';
import { invalidateCatalog } from './catalog.js';
import { validateGguf } from './gguf-validate.js';
import { assertModelName, MODEL_EXT, modelPath } from './names.js';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';
/** Suffix of an in-progress download; the catalog lists only `*.gguf`. */
export const PARTIAL_SUFFIX = '.partial';

export interface PullOptions {
  /** `http(s)://...` or `hf:owner/repo/path/file.gguf` (optionally `#revision`). */
  source: string;
  modelsDir: string;
  /** Expected sha256 (hex). When absent, the Hugging Face API's value is used when there is one. */
  sha256?: string;
  /** Model name; defaults to the source's file stem. */
  name?: string;
  signal?: AbortSignal;
  /** Called with `bytes` never decreasing; the last call has `bytes === total`. */
  onProgress?: (p: PullProgress) => void;
  /** Called once the download is complete, before the checksum and validation. */
  onVerifying?: () => void;
  /** Hugging Face base URL. Defaults to env HEARTH_HF_ENDPOINT, else https://huggingface.co. */
  hfEndpoint?: string;
  /** Least time between progress calls, ms. Defaults to 100. */
  progressIntervalMs?: number;
  /** Consecutive failed attempts (no bytes received) before giving up. Defaults to 5. */
  maxRetries?: number;
}

/** Where a source points. */
export interface ResolvedSource {
  url: string;
  /** Default model name: the file stem. */
  defaultName: string | undefined;
  hf?: { owner: string; repo: string; filePath: string; revision: string; endpoint: string };
}

const HF_RE = /^hf:([A-Za-z0-9][A-Za-z0-9._-]{0,95})\/([A-Za-z0-9][A-Za-z0-9._-]{0,95})\/([^#]+?)(?:#([A-Za-z0-9._/-]{1,200}))?$/;

function stemOf(fileName: string): string | undefined {
  return fileName.toLowerCase().endsWith(MODEL_EXT) ? fileName.slice(0, -MODEL_EXT.length) : undefined;
}

/** Parses a pull source. Throws ERR_VALIDATION for anything but http(s) URLs and `hf:` URIs. */
export function resolveSource(source: string, hfEndpoint: string = process.env.HEARTH_HF_ENDPOINT || DEFAULT_HF_ENDPOINT): ResolvedSource {
  if (source.startsWith('hf:')) {
    const m = HF_RE.exec(source);
    if (!m) throw hearthError('ERR_VALIDATION', 'An hf: source must be hf:owner/repo/path/file.gguf');
    const [, owner, repo, filePath, revision = 'main'] = m as unknown as [string, string, string, string, string | undefined];
    const segs = filePath.split('/');
    if (segs.some((s) => s === '' || s === '.' || s === '..')) throw hearthError('ERR_VALIDATION', 'The hf: file path is not valid.');
    const endpoint = hfEndpoint.replace(/\/+$/, '');
    const url = `${endpoint}/${owner}/${repo}/resolve/${encodeURIComponent(revision)}/${segs.map(encodeURIComponent).join('/')}`;
    return { url, defaultName: stemOf(segs.at(-1)!), hf: { owner, repo, filePath, revision, endpoint } };
  }
  let u: URL;
  try { u = new URL(source); } catch { throw hearthError('ERR_VALIDATION', 'The source must be an http(s):// URL or hf:owner/repo/file.gguf'); }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw hearthError('ERR_VALIDATION', 'The source must be an http(s):// URL or hf:owner/repo/file.gguf');
  let last = u.pathname.split('/').at(-1) ?? '';
  try { last = decodeURIComponent(last); } catch { /* keep it raw; the name check refuses it */ }
  return { url: u.toString(), defaultName: stemOf(last) };
}

/** The sha256 (and size) of an `hf:` file from the Hugging Face tree API, or undefined when unavailable. */
export async function fetchHfFileInfo(hf: NonNullable<ResolvedSource['hf']>, signal?: AbortSignal): Promise<{ sha256?: string; size?: number } | undefined> {
  const dir = hf.filePath.includes('/') ? '/' + hf.filePath.split('/').slice(0, -1).map(encodeURIComponent).join('/') : '';
  const url = `${hf.endpoint}/api/models/${hf.owner}/${hf.repo}/tree/${encodeURIComponent(hf.revision)}${dir}`;
  try {
    const res = await fetch(url, { signal, headers: { accept: 'application/json' } });
    if (!res.ok) { await res.body?.cancel(); return undefined; }
    const list = (await res.json()) as unknown;
    if (!Array.isArray(list)) return undefined;
    const entry = list.find((e: unknown) => (e as { path?: unknown })?.path === hf.filePath) as { size?: unknown; lfs?: { oid?: unknown; size?: unknown } } | undefined;
    if (!entry) return undefined;
    const oid = entry.lfs?.oid;
    const size = typeof entry.lfs?.size === 'number' ? entry.lfs.size : typeof entry.size === 'number' ? entry.size : undefined;
    return { sha256: typeof oid === 'string' && /^[0-9a-f]{64}$/i.test(oid) ? oid.toLowerCase() : undefined, size };
  } catch (err) {
    if (signal?.aborted) throw err;
    return undefined;
  }
}

/** Hex sha256 of a file, streamed. */
export async function sha256File(file: string, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file, { signal })) h.update(chunk as Buffer);
  return h.digest('hex');
}

const active = new Set<string>();

function parseContentRange(v: string | null): { start: number; total: number | null } | null {
  const m = v ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(v.trim()) : null;
  if (!m) return null;
  return { start: Number(m[1]), total: m[3] === '*' ? null : Number(m[3]) };
}

function isDiskFull(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() { clearTimeout(t); signal?.removeEventListener('abort', done); resolve(); }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Pulls a model. Resolves with the registered model once it is complete, verified and valid;
 * rejects with ERR_VALIDATION, ERR_MODEL_NAME, ERR_CONFLICT, ERR_PULL_FAILED (404 and other HTTP
 * or network failures), ERR_CHECKSUM, ERR_MODEL_INVALID, ERR_DISK_FULL or ERR_PULL_CANCELLED,
 * and in every failure case leaves no partial file behind.
 */
export async function pullModel(opts: PullOptions): Promise<PulledModel> {
  const src = resolveSource(opts.source, opts.hfEndpoint);
  const name = opts.name ?? src.defaultName;
  if (name === undefined) throw hearthError('ERR_VALIDATION', 'The source does not end in a .gguf file name: give a name (--name).');
  assertModelName(name);
  const expectedGiven = opts.sha256?.toLowerCase();
  if (expectedGiven !== undefined && !/^[0-9a-f]{64}$/.test(expectedGiven)) throw hearthError('ERR_VALIDATION', 'sha256 must be 64 hex digits.');
  const final = modelPath(opts.modelsDir, name);
  const partial = final + PARTIAL_SUFFIX;
  if (active.has(final)) throw hearthError('ERR_CONFLICT', `The model "${name}" is already being pulled.`);
  if (await exists(final)) throw hearthError('ERR_CONFLICT', `The model "${name}" already exists; delete it first.`);
  active.add(final);
  const signal = opts.signal;
  try {
    await mkdir(path.dirname(final), { recursive: true });
    await rm(partial, { force: true });
    let expected = expectedGiven;
    let hfSize: number | undefined;
    if (src.hf) {
      const info = await fetchHfFileInfo(src.hf, signal);
      hfSize = info?.size;
      if (expected === undefined) expected = info?.sha256;
    }
    const size = await download(src.url, partial, { ...opts, name, expectedSize: hfSize });
    opts.onVerifying?.();
    if (expected !== undefined) {
      const got = await sha256File(partial, signal);
      if (got !== expected) throw hearthError('ERR_CHECKSUM', `Checksum mismatch for "${name}": expected sha256 ${expected}, got ${got}. The download was discarded.`, { detail: { expected, actual: got } });
    }
    const v = await validateGguf(partial);
    if (!v.valid) throw hearthError('ERR_MODEL_INVALID', `The downloaded file is not a valid GGUF model: ${v.reason}. It was discarded.`, { detail: { reason: v.reason } });
    if (await exists(final)) throw hearthError('ERR_CONFLICT', `The model "${name}" appeared while pulling; the download was discarded.`);
    await rename(partial, final);
    invalidateCatalog(final);
    return { name, file: final, size, sha256: expected ?? (await sha256File(final, signal)) };
  } catch (err) {
    await rm(partial, { force: true }).catch(() => undefined);
    if (signal?.aborted) throw hearthError('ERR_PULL_CANCELLED', `The pull of "${name}" was cancelled.`);
    if (isDiskFull(err)) throw hearthError('ERR_DISK_FULL', `Not enough disk space to pull "${name}"; the partial file was removed.`, { cause: err });
    if (err instanceof HearthError) throw err;
    throw hearthError('ERR_PULL_FAILED', `The pull of "${name}" failed: ${describeError(err)}`, { cause: err });
  } finally {
    active.delete(final);
  }
}

async function exists(p: string): Promise<boolean> {
  try { await lstat(p); return true; } catch { return false; }
}

function describeError(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

/** Downloads `url` into `partial`, resuming after cuts. Returns the byte count. */
async function download(url: string, partial: string, opts: PullOptions & { name: string; expectedSize: number | undefined }): Promise<number> {
  const { signal } = opts;
  const interval = opts.progressIntervalMs ?? 100;
  const maxRetries = opts.maxRetries ?? 5;
  const started = Date.now();
  let received = 0; // network bytes in this call, for the speed
  let written = 0; // bytes in the partial file
  let total: number | null = opts.expectedSize ?? null;
  let etag: string | undefined;
  let lastBytes = -1; let lastAt = 0;
  const emit = (force: boolean) => {
    if (!opts.onProgress || written <= lastBytes) return; // monotonic: a restart stays silent until it passes the mark
    const now = Date.now();
    if (!force && lastBytes >= 0 && now - lastAt < interval) return;
    const speedBps = received / Math.max((now - started) / 1000, 1e-3);
    const etaS = total !== null && speedBps > 0 ? Math.max(0, (total - written) / speedBps) : null;
    lastBytes = written; lastAt = now;
    opts.onProgress({ bytes: written, total, speedBps, etaS });
  };

  let failures = 0;
  let fh: FileHandle | undefined;
  try {
    fh = await open(partial, 'w');
    for (let attempt = 0; attempt < 1000; attempt++) {
      if (signal?.aborted) throw signal.reason ?? new Error('aborted');
      if (failures > maxRetries) throw hearthError('ERR_PULL_FAILED', `The download of "${opts.name}" kept failing (${failures} attempts in a row without progress).`);
      const headers: Record<string, string> = { 'accept-encoding': 'identity' };
      if (written > 0) { headers.range = `bytes=${written}-`; if (etag) headers['if-range'] = etag; }
      let res: Response;
      try { res = await fetch(url, { headers, signal, redirect: 'follow' }); } catch (err) {
        if (signal?.aborted) throw err;
        failures++; await sleep(200 * failures, signal); continue;
      }
      if (res.status === 404 || res.status === 410) {
        await res.body?.cancel();
        throw hearthError('ERR_PULL_FAILED', `The source answered ${res.status} Not Found for "${opts.name}": check the URL.`, { detail: { status: res.status } });
      }
      if (res.status === 416 && written > 0) {
        await res.body?.cancel();
        const cr = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
        if (cr && Number(cr[1]) === written) { total = written; break; } // it was already complete
        written = 0; await fh.truncate(0); failures++; continue;
      }
      if (res.status >= 500 || res.status === 408 || res.status === 429) {
        await res.body?.cancel(); failures++; await sleep(200 * failures, signal); continue;
      }
      if (res.status !== 200 && res.status !== 206) {
        await res.body?.cancel();
        throw hearthError('ERR_PULL_FAILED', `The source answered HTTP ${res.status} for "${opts.name}".`, { detail: { status: res.status } });
      }
      if (res.status === 206) {
        const cr = parseContentRange(res.headers.get('content-range'));
        if (!cr || cr.start !== written) { // not the range we asked for: start over
          await res.body?.cancel(); written = 0; etag = undefined; await fh.truncate(0); failures++; continue;
        }
        if (cr.total !== null) total = cr.total;
      } else {
        if (written > 0) { written = 0; await fh.truncate(0); } // Range not supported (or If-Range failed): restart
        const len = res.headers.get('content-length');
        if (len !== null && /^\d+$/.test(len)) total = Number(len);
      }
      const tag = res.headers.get('etag');
      etag = tag && !tag.startsWith('W/') ? tag : undefined;
      if (!res.body) { failures++; continue; }
      const before = written;
      try {
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          if (total !== null && written + chunk.length > total) throw hearthError('ERR_PULL_FAILED', `The source sent more than the ${total} bytes it announced.`);
          let off = 0;
          while (off < chunk.length) {
            const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, written + off);
            off += bytesWritten;
          }
          written += chunk.length; received += chunk.length;
          emit(false);
        }
      } catch (err) {
        if (signal?.aborted || err instanceof HearthError || isDiskFull(err)) throw err;
        // The connection broke: resume from what we have.
        if (written > before) failures = 0; else failures++;
        await sleep(100 * Math.max(1, failures), signal);
        continue;
      }
      if (total === null || written === total) { total = written; break; }
      if (written > before) failures = 0; else failures++; // ended early without an error: resume
    }
    if (total === null || written !== total) throw hearthError('ERR_PULL_FAILED', `The download of "${opts.name}" did not complete.`);
    await fh.sync();
    emit(true);
    return written;
  } finally {
    await fh?.close().catch(() => undefined);
  }
}
