// Owns admission control: per-pool slots, a bounded owner-first FIFO queue with a timeout, refusals
// with a Retry-After computed from measured throughput, and the per-pool status figures.
// A pool is 'local:<model>' or 'upstream:<name>'. Pure scheduling: no I/O, no engine calls.
import { HearthError, hearthError } from '../errors/catalog.js';

export type Priority = 'owner' | 'normal';

/** A held slot. `release()` is idempotent; the caller releases once its generation has stopped. */
export interface Lease {
  release(): void;
  /** How long the request waited in the queue before it got the slot (0 when granted at once). */
  readonly queuedMs: number;
  readonly pool: string;
  readonly priority: Priority;
}

export type Admit =
  | { kind: 'granted'; lease: Lease }
  | { kind: 'queued'; position: number; lease: Promise<Lease> };

export interface PoolStatus {
  slotsUsed: number;
  slotsTotal: number;
  queueDepth: number;
  /** Estimated wait for a normal request arriving now, ms (0 when a slot is free; the queue timeout while capacity is 0). */
  estimatedWaitMs: number;
  /** Decode rate of one request, tokens/s (EWMA of completions; 0 before the first completion). */
  tokensPerSecond: number;
  /** Requests that got a slot (at once or after queueing). */
  admitted: number;
  /** Requests refused: queue full, wait too long, or queue timeout. */
  rejected: number;
  /** Queued requests whose client went away before they got a slot. */
  aborted: number;
  /** Mean request duration, ms (EWMA; 0 before the first completion). */
  meanDurationMs: number;
  /** Completions measured so far. */
  samples: number;
}

export type RejectReason = 'queue_full' | 'wait_too_long' | 'queue_timeout';

export interface AdmissionOptions {
  /** Most requests waiting per pool (owner requests have their own queue with the same bound). */
  maxQueue: number;
  /** Longest a request may wait for a slot, ms. */
  queueTimeoutMs: number;
  /** Slots (0 or 1) only owner requests may use, when a pool has more than one slot. */
  ownerReservedSlots: number;
  /** Clock for measured durations (ms). Defaults to performance.now. */
  now?: () => number;
}

/** Weight of the newest completion in the duration and throughput averages. */
const EWMA_ALPHA = 0.3;
/** Assumed request duration before anything has been measured, ms (only used for Retry-After). */
const UNMEASURED_DURATION_MS = 1000;

interface Waiter {
  priority: Priority;
  enqueuedAt: number;
  resolve: (lease: Lease) => void;
  reject: (err: unknown) => void;
  cleanup: () => void;
}

interface Pool {
  name: string;
  capacity: number;
  used: number;
  normalUsed: number;
  ownerQueue: Waiter[];
  normalQueue: Waiter[];
  meanDurationMs: number;
  tokensPerSecond: number;
  samples: number;
  admitted: number;
  rejected: number;
  aborted: number;
  /** Start times of running leases (for a lower bound on duration before any measurement). */
  running: Set<number>;
}

/** The error a queued request's promise rejects with when its signal aborts. */
function abortError(signal: AbortSignal): HearthError {
  if (signal.reason instanceof HearthError) return signal.reason;
  return hearthError('ERR_CLIENT_CLOSED', 'The request was aborted while queued.', { cause: signal.reason });
}

export class Admission {
  private readonly pools = new Map<string, Pool>();
  private readonly changeListeners = new Set<(pool: string) => void>();
  private readonly rejectListeners = new Set<(pool: string, reason: RejectReason) => void>();
  private readonly maxQueue: number;
  private readonly queueTimeoutMs: number;
  private readonly ownerReservedSlots: number;
  private readonly now: () => number;

  constructor(opts: AdmissionOptions) {
    this.maxQueue = Math.max(0, Math.floor(opts.maxQueue));
    this.queueTimeoutMs = Math.max(1, opts.queueTimeoutMs);
    this.ownerReservedSlots = Math.max(0, Math.min(1, Math.floor(opts.ownerReservedSlots)));
    this.now = opts.now ?? (() => performance.now());
  }

  /** Sets how many requests may run at once in `pool` (creates it). Growing hands slots to waiters at once. */
  setCapacity(pool: string, slots: number): void {
    const p = this.pool(pool);
    p.capacity = Math.max(0, Math.floor(slots));
    this.pump(p);
    this.changed(pool);
  }

  /** Forgets `pool`; its waiters are refused. Leases still held on it release harmlessly. */
  removePool(pool: string): void {
    const p = this.pools.get(pool);
    if (!p) return;
    this.pools.delete(pool);
    const waiters = [...p.ownerQueue, ...p.normalQueue];
    p.ownerQueue = [];
    p.normalQueue = [];
    for (const w of waiters) {
      w.cleanup();
      w.reject(hearthError('ERR_NOT_READY', 'The model was unloaded while the request was queued.'));
    }
    this.changed(pool);
  }

  /** Refuses every waiter in every pool with ERR_SHUTTING_DOWN (server shutdown). Held leases stay valid. */
  close(): void {
    for (const p of this.pools.values()) {
      const waiters = [...p.ownerQueue, ...p.normalQueue];
      p.ownerQueue = [];
      p.normalQueue = [];
      for (const w of waiters) {
        w.cleanup();
        w.reject(hearthError('ERR_SHUTTING_DOWN'));
      }
      if (waiters.length) this.changed(p.name);
    }
  }

  /**
   * Synchronous decision, so that a refusal is sent before any byte. Grants a slot at once, or queues
   * (FIFO within priority, owner requests first). Throws ERR_OVERLOADED (with Retry-After) when the queue
   * is full or the estimated wait exceeds the queue timeout; throws the abort error if `signal` has aborted.
   * An unknown pool is created with capacity 0 (requests wait for capacity or time out).
   */
  admit(pool: string, opts: { priority: Priority; signal: AbortSignal }): Admit {
    const { priority, signal } = opts;
    if (signal.aborted) throw abortError(signal);
    const p = this.pool(pool);
    const queueAhead = priority === 'owner' ? p.ownerQueue.length : p.ownerQueue.length + p.normalQueue.length;

    if (queueAhead === 0 && this.canRun(p, priority)) {
      const lease = this.grant(p, priority, 0);
      this.changed(pool);
      return { kind: 'granted', lease };
    }

    const ownQueue = priority === 'owner' ? p.ownerQueue : p.normalQueue;
    if (ownQueue.length >= this.maxQueue) {
      throw this.refuse(p, 'queue_full', `The queue for ${pool} is full (${this.maxQueue} waiting); retry later.`);
    }
    if (p.samples > 0 && this.usableSlots(p, priority) > 0) {
      const waitMs = this.estimateMs(p, priority, queueAhead);
      if (waitMs > this.queueTimeoutMs) {
        throw this.refuse(p, 'wait_too_long', `The estimated wait for ${pool} (${Math.round(waitMs)} ms) is longer than the queue timeout; retry later.`, waitMs);
      }
    }

    let waiter!: Waiter;
    const enqueuedAt = this.now();
    const promise = new Promise<Lease>((resolve, reject) => {
      const onAbort = (): void => {
        if (!this.dequeue(p, waiter)) return;
        p.aborted += 1;
        waiter.cleanup();
        reject(abortError(signal));
        this.changed(pool);
      };
      const timer = setTimeout(() => {
        if (!this.dequeue(p, waiter)) return;
        waiter.cleanup();
        reject(this.refuse(p, 'queue_timeout', `The request waited longer than the queue timeout (${this.queueTimeoutMs} ms) for ${pool}; retry later.`));
        this.changed(pool);
      }, this.queueTimeoutMs);
      waiter = {
        priority,
        enqueuedAt,
        resolve,
        reject,
        cleanup: () => { clearTimeout(timer); signal.removeEventListener('abort', onAbort); },
      };
      signal.addEventListener('abort', onAbort, { once: true });
    });
    // A rejection nobody awaited yet must not crash the process; the caller still sees it.
    promise.catch(() => {});
    ownQueue.push(waiter);
    const position = priority === 'owner' ? p.ownerQueue.length : p.ownerQueue.length + p.normalQueue.length;
    this.changed(pool);
    return { kind: 'queued', position, lease: promise };
  }

  /** Records a finished request's measured duration and output tokens (feeds Retry-After and status). */
  recordCompletion(pool: string, s: { durationMs: number; outputTokens: number }): void {
    const p = this.pools.get(pool);
    if (!p || !Number.isFinite(s.durationMs) || s.durationMs < 0) return;
    const rate = s.durationMs > 0 && s.outputTokens > 0 ? (s.outputTokens * 1000) / s.durationMs : undefined;
    if (p.samples === 0) {
      p.meanDurationMs = s.durationMs;
      if (rate !== undefined) p.tokensPerSecond = rate;
    } else {
      p.meanDurationMs += EWMA_ALPHA * (s.durationMs - p.meanDurationMs);
      if (rate !== undefined) p.tokensPerSecond = p.tokensPerSecond === 0 ? rate : p.tokensPerSecond + EWMA_ALPHA * (rate - p.tokensPerSecond);
    }
    p.samples += 1;
    this.changed(pool);
  }

  /** Per-pool figures for /readyz, admin status and metrics. */
  snapshot(): Record<string, PoolStatus> {
    const out: Record<string, PoolStatus> = {};
    for (const p of this.pools.values()) out[p.name] = this.status(p);
    return out;
  }

  /** One pool's figures, or undefined when it does not exist. */
  poolStatus(pool: string): PoolStatus | undefined {
    const p = this.pools.get(pool);
    return p ? this.status(p) : undefined;
  }

  /** Estimated wait for a request of `priority` arriving now in `pool`, ms (queue timeout when unknown). */
  estimatedWaitMs(pool: string, priority: Priority = 'normal'): number {
    const p = this.pools.get(pool);
    if (!p) return this.queueTimeoutMs;
    const ahead = priority === 'owner' ? p.ownerQueue.length : p.ownerQueue.length + p.normalQueue.length;
    if (ahead === 0 && this.canRun(p, priority)) return 0;
    if (this.usableSlots(p, priority) === 0) return this.queueTimeoutMs;
    return this.estimateMs(p, priority, ahead);
  }

  /** Seconds a refused client should wait before retrying `pool` (whole seconds, at least 1). */
  retryAfterS(pool: string): number {
    const p = this.pools.get(pool);
    return p ? this.retryAfterFor(p) : 1;
  }

  /** Called (synchronously) after any change in a pool. Returns an unsubscribe function. */
  onChange(listener: (pool: string) => void): () => void {
    this.changeListeners.add(listener);
    return () => { this.changeListeners.delete(listener); };
  }

  /** Called on every refusal with its reason (metrics). Returns an unsubscribe function. */
  onRejection(listener: (pool: string, reason: RejectReason) => void): () => void {
    this.rejectListeners.add(listener);
    return () => { this.rejectListeners.delete(listener); };
  }

  // --- internals ---

  private pool(name: string): Pool {
    let p = this.pools.get(name);
    if (!p) {
      p = {
        name, capacity: 0, used: 0, normalUsed: 0, ownerQueue: [], normalQueue: [],
        meanDurationMs: 0, tokensPerSecond: 0, samples: 0, admitted: 0, rejected: 0, aborted: 0, running: new Set(),
      };
      this.pools.set(name, p);
    }
    return p;
  }

  private reserved(p: Pool): number {
    return p.capacity > 1 ? this.ownerReservedSlots : 0;
  }

  /** Slots a request of `priority` may ever use in `p`. */
  private usableSlots(p: Pool, priority: Priority): number {
    return priority === 'owner' ? p.capacity : p.capacity - this.reserved(p);
  }

  /** Whether a request of `priority` may take a slot now (ignoring the queue). */
  private canRun(p: Pool, priority: Priority): boolean {
    if (p.used >= p.capacity) return false;
    return priority === 'owner' || p.normalUsed < p.capacity - this.reserved(p);
  }

  private grant(p: Pool, priority: Priority, queuedMs: number): Lease {
    p.used += 1;
    if (priority === 'normal') p.normalUsed += 1;
    p.admitted += 1;
    const startedAt = this.now();
    // Distinct keys even when the injected clock stands still.
    let key = startedAt;
    while (p.running.has(key)) key += 1e-6;
    p.running.add(key);
    let released = false;
    return {
      pool: p.name,
      priority,
      queuedMs,
      release: () => {
        if (released) return;
        released = true;
        p.used -= 1;
        if (priority === 'normal') p.normalUsed -= 1;
        p.running.delete(key);
        if (this.pools.get(p.name) !== p) return; // pool was removed
        this.pump(p);
        this.changed(p.name);
      },
    };
  }

  /** Hands free slots to waiters, owner queue first, synchronously. */
  private pump(p: Pool): void {
    for (;;) {
      const w = p.ownerQueue[0] ?? p.normalQueue[0];
      if (!w || !this.canRun(p, w.priority)) return;
      (w.priority === 'owner' ? p.ownerQueue : p.normalQueue).shift();
      w.cleanup();
      w.resolve(this.grant(p, w.priority, Math.max(0, this.now() - w.enqueuedAt)));
    }
  }

  private dequeue(p: Pool, w: Waiter): boolean {
    const q = w.priority === 'owner' ? p.ownerQueue : p.normalQueue;
    const i = q.indexOf(w);
    if (i < 0) return false;
    q.splice(i, 1);
    return true;
  }

  /** Mean request duration: measured EWMA, or before any measurement the age of the oldest running request (at least 1 s). */
  private meanMs(p: Pool): number {
    if (p.samples > 0) return p.meanDurationMs;
    let oldest = Infinity;
    for (const t of p.running) oldest = Math.min(oldest, t);
    return Math.max(UNMEASURED_DURATION_MS, oldest === Infinity ? 0 : this.now() - oldest);
  }

  /** Wait for a request with `ahead` requests queued before it: mean duration × (ahead + 1) / usable slots. */
  private estimateMs(p: Pool, priority: Priority, ahead: number): number {
    const slots = Math.max(1, this.usableSlots(p, priority));
    return (this.meanMs(p) * (ahead + 1)) / slots;
  }

  private retryAfterFor(p: Pool, waitMs?: number): number {
    const depth = p.ownerQueue.length + p.normalQueue.length;
    const ms = waitMs ?? this.estimateMs(p, 'normal', depth);
    return Math.max(1, Math.ceil(ms / 1000));
  }

  private refuse(p: Pool, reason: RejectReason, message: string, waitMs?: number): HearthError {
    p.rejected += 1;
    const retryAfterS = this.retryAfterFor(p, waitMs);
    for (const l of this.rejectListeners) {
      try { l(p.name, reason); } catch { /* a listener must not break admission */ }
    }
    this.changed(p.name);
    return hearthError('ERR_OVERLOADED', message, { retryAfterS, detail: { reason, retryAfterS, queueDepth: p.ownerQueue.length + p.normalQueue.length } });
  }

  private status(p: Pool): PoolStatus {
    const ahead = p.ownerQueue.length + p.normalQueue.length;
    let estimatedWaitMs: number;
    if (ahead === 0 && this.canRun(p, 'normal')) estimatedWaitMs = 0;
    else if (this.usableSlots(p, 'normal') <= 0) estimatedWaitMs = this.queueTimeoutMs;
    else estimatedWaitMs = Math.round(this.estimateMs(p, 'normal', ahead));
    return {
      slotsUsed: p.used,
      slotsTotal: p.capacity,
      queueDepth: ahead,
      estimatedWaitMs,
      tokensPerSecond: p.tokensPerSecond,
      admitted: p.admitted,
      rejected: p.rejected,
      aborted: p.aborted,
      meanDurationMs: p.meanDurationMs,
      samples: p.samples,
    };
  }

  private changed(pool: string): void {
    for (const l of this.changeListeners) {
      try { l(pool); } catch { /* a listener must not break admission */ }
    }
  }
}
