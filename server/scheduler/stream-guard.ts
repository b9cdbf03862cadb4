// Owns the streaming-response guards every dialect writer uses: keep-alive heartbeats while a stream
// is queued or evaluating, and writes that honour backpressure and abort a client that stops reading,
// so a slow reader never grows server memory without bound.
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { HearthError, hearthError } from '../errors/catalog.js';

export interface Heartbeat {
  /** Starts sending every intervalMs (no-op when running). */
  start(): void;
  /** Stops; no send happens after this returns. Idempotent. */
  stop(): void;
  /** Postpones the next heartbeat by a full interval (call on real data). */
  touch(): void;
  readonly running: boolean;
}

/**
 * Calls `send` every `intervalMs` while started. A send still in flight (awaiting drain) skips the
 * next beat instead of piling up; a send that throws or rejects stops the heartbeat.
 */
export function createHeartbeat(opts: { intervalMs: number; send: () => void | Promise<void> }): Heartbeat {
  const interval = Math.max(1, opts.intervalMs);
  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  const beat = (): void => {
    if (pending || !timer) return;
    let r: void | Promise<void>;
    try { r = opts.send(); } catch { hb.stop(); return; }
    if (r && typeof (r as Promise<void>).then === 'function') {
      pending = true;
      (r as Promise<void>).then(() => { pending = false; }, () => { pending = false; hb.stop(); });
    }
  };
  const hb: Heartbeat = {
    start() {
      if (timer) return;
      timer = setInterval(beat, interval);
      timer.unref?.();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
    touch() {
      if (!timer) return;
      clearInterval(timer);
      timer = setInterval(beat, interval);
      timer.unref?.();
    },
    get running() { return timer !== undefined; },
  };
  return hb;
}

/** What writeWithBackpressure writes to: an http.ServerResponse or any Writable. */
export type GuardedWritable = Pick<Writable, 'write' | 'destroy' | 'destroyed' | 'writableEnded' | 'writableNeedDrain' | 'writableLength'> & EventEmitter;

function closedError(): HearthError {
  return hearthError('ERR_CLIENT_CLOSED');
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof HearthError ? signal.reason : hearthError('ERR_CLIENT_CLOSED', 'The request was aborted.', { cause: signal.reason });
}

/** Waits for 'drain'; on stall destroys `res` and rejects ERR_CLIENT_STALLED; rejects on close or abort. */
function waitDrain(res: GuardedWritable, stallMs: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const done = (err?: unknown): void => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      res.off('error', onClose);
      signal?.removeEventListener('abort', onAbort);
      if (err === undefined) resolve(); else reject(err);
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(closedError());
    const onAbort = (): void => done(abortReason(signal!));
    const timer = setTimeout(() => {
      const err = hearthError('ERR_CLIENT_STALLED', `The client did not read the stream for ${stallMs} ms.`);
      done(err);
      res.destroy(err);
    }, Math.max(1, stallMs));
    res.on('drain', onDrain);
    res.on('close', onClose);
    res.on('error', onClose);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Writes `chunk` and resolves once the response can take more. If `res.write` returns false it awaits
 * 'drain'; when no drain comes within `stallMs` it destroys `res` and rejects with ERR_CLIENT_STALLED
 * (the caller then aborts generation). A writer that is already waiting for drain waits before writing,
 * so the buffered bytes stay within about highWaterMark + one chunk per concurrent writer.
 * Rejects ERR_CLIENT_CLOSED when the response is closed, or the signal's reason when it aborts.
 */
export async function writeWithBackpressure(
  res: GuardedWritable,
  chunk: string | Uint8Array,
  opts: { stallMs: number; signal?: AbortSignal },
): Promise<void> {
  const { stallMs, signal } = opts;
  if (signal?.aborted) throw abortReason(signal);
  if (res.destroyed || res.writableEnded) throw closedError();
  // Bounded loop: several writers may wake on the same drain; each re-checks before writing.
  for (let i = 0; i < 1000 && res.writableNeedDrain; i++) {
    await waitDrain(res, stallMs, signal);
    if (res.destroyed || res.writableEnded) throw closedError();
  }
  if (res.writableNeedDrain) throw hearthError('ERR_CLIENT_STALLED');
  const ok = res.write(chunk);
  if (!ok) {
    await waitDrain(res, stallMs, signal);
  }
}
