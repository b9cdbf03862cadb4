// Owns how the engine keeps parallel sequences decoding in full shared batches on node-llama-cpp.
//
// Cause (measured, see bench/ENGINE-NOTES.md): node-llama-cpp 3.21.1 samples each sequence of a
// decoded batch in its own native async job and resumes each sequence as soon as *its* job is done;
// its batch loop then goes on at once with whatever is queued. One sequence is always a step
// behind, so 4 streams decode in batches of 3 (+33 % decode calls), and 2 streams never share a
// batch at all. Two fixes, both bounded and both falling back to stock behaviour when the pinned
// internals are not there:
//  - sampling results of one batch are released together, so every sequence queues its next token
//    in the same turn of the event loop and the next batch is full;
//  - the dispatch waits (a few ms at most) while requests that were just received have not queued
//    their prompt yet, and, when the engine was idle, for a short arrival window, so prompts that
//    arrive together are evaluated in one shared batch.
import type { LlamaContext } from 'node-llama-cpp';

/** Longest time a batch is held back for sequences that have not queued yet. */
export const MAX_DISPATCH_WAIT_MS = 8;
/**
 * After an idle engine receives a request, how long the first batch waits for more arrivals; each
 * arrival inside the window extends it (never past MAX_DISPATCH_WAIT_MS from the first schedule).
 */
export const ARRIVAL_WINDOW_MS = 3;

/** Counts requests that hold a sequence and are between "received" and "finished". */
export interface BatchGate {
  /** A request took a sequence and is about to queue its prompt. */
  enter(): void;
  /** That request finished (or failed). */
  leave(): void;
  /** Requests currently generating. */
  readonly active: number;
  /** `batching` option for createContext. */
  readonly batching: { dispatchSchedule: (dispatch: () => void) => void };
  /** Installs the synchronized sampling on a created context; returns false if the internals differ. */
  attach(context: LlamaContext): boolean;
}

interface NativeCtx {
  decodeBatch(): Promise<void>;
  sampleToken(...args: unknown[]): Promise<unknown>;
}

interface ContextInternals {
  _ctx?: NativeCtx;
  _queuedDecodeSequenceIds?: Set<number>;
}

export function createBatchGate(): BatchGate {
  let active = 0;
  let total = Number.POSITIVE_INFINITY;
  let arrivalUntil = 0;
  let ctx: ContextInternals | undefined;
  const queued = (): number | undefined => ctx?._queuedDecodeSequenceIds?.size;
  const ready = (t0: number): boolean => {
    const q = queued();
    if (q === undefined) return true; // internals missing: stock behaviour
    const now = performance.now();
    if (now - t0 >= MAX_DISPATCH_WAIT_MS) return true;
    if (q < active) return false; // a running request has not queued its next tokens yet
    return active >= total || now >= arrivalUntil;
  };
  const dispatchSchedule = (dispatch: () => void): void => {
    const t0 = performance.now();
    // First look in the same turn as node-llama-cpp's "nextCycle"; then poll on timers (no spinning).
    const poll = (): void => { if (ready(t0)) dispatch(); else setTimeout(poll, 0.5); };
    setImmediate(poll);
  };
  return {
    enter() {
      const now = performance.now();
      if (active === 0 || now < arrivalUntil) arrivalUntil = now + ARRIVAL_WINDOW_MS;
      active++;
    },
    leave() { active = Math.max(0, active - 1); },
    get active() { return active; },
    batching: { dispatchSchedule },
    attach(context) {
      const internals = context as unknown as ContextInternals;
      const native = internals._ctx;
      if (!native || typeof native.sampleToken !== 'function' || typeof native.decodeBatch !== 'function'
        || !(internals._queuedDecodeSequenceIds instanceof Set)) return false;
      ctx = internals;
      total = context.totalSequences;
      // Samplings issued after one decode form a group; each resolves when the whole group settled.
      let group: Array<Promise<unknown>> = [];
      // Own properties on the native handle shadow its prototype methods; the handle itself stays the
      // same object (node-llama-cpp passes it back into native code, so it must not be wrapped).
      const decode = native.decodeBatch.bind(native);
      const sample = native.sampleToken.bind(native);
      try {
        Object.defineProperty(native, 'decodeBatch', { value: () => { group = []; return decode(); }, configurable: true });
      } catch { return false; }
      Object.defineProperty(native, 'sampleToken', {
        configurable: true,
        value: (...args: unknown[]) => {
          const p = sample(...args);
          const mine = group;
          mine.push(p);
          return (async () => {
            // Bounded: a group only grows while its batch's samplings are being issued.
            for (let n = -1; n !== mine.length;) { n = mine.length; await Promise.allSettled(mine); }
            return p;
          })();
        },
      });
      return true;
    },
  };
}
