// Owns how the engine keeps parallel sequences decoding in full shared batches on node-llama-cpp.
//
// Causes (measured, see bench/ENGINE-NOTES.md), in node-llama-cpp 3.21.1 with llama.cpp's
// default non-unified KV cache (one KV stream per sequence):
//  1. Each sequence of a decoded batch is sampled in its own native async job and resumes as soon
//     as its own job is done; the batch loop then goes on at once with whatever is queued. Once
//     one sequence is a step behind, it stays behind: 4 streams decode as batches of 3 (+33 %
//     decode calls), 2 streams as batches of 1.
//  2. llama.cpp puts the tokens of several sequences in one ubatch only when their sequence ids
//     come in increasing consecutive order (llama_batch_allocr::split_equal, sequential=true);
//     node-llama-cpp adds batch items in the order they were queued, so a "batch of 4" is often
//     run as 2 to 4 separate graph computations, each reading all the weights.
// What this module does, bounded in time, and falling back to stock behaviour if the pinned
// internals it relies on are missing:
//  - a barrier in front of node-llama-cpp's decode queue: the next tokens of running sequences are
//    held until every running request has its next tokens ready (or they are already queued), then
//    released together in one turn, so each batch holds every running sequence. Requests that
//    arrive while the engine is idle wait a short arrival window, so prompts sent together are
//    evaluated in one shared batch;
//  - batch items sorted by sequence id, and requests take the lowest free sequence id, so a batch
//    is one ubatch.
import type { BatchItem, CustomBatchingPrioritizationStrategy, LlamaContext, LlamaContextSequence, PrioritizedBatchItem } from 'node-llama-cpp';

/** Longest time held tokens wait (while no batch is being decoded) for a request that is busy elsewhere. */
export const MAX_HOLD_MS = 8;
/**
 * After an idle engine receives a request, how long its prompt waits for more arrivals; each
 * arrival inside the window extends it (bounded by MAX_HOLD_MS of idle waiting).
 */
export const ARRIVAL_WINDOW_MS = 3;

/** Counts the requests that hold a sequence, and synchronizes their decodes. */
export interface BatchGate {
  /** A request arrived and will queue a prompt. */
  enter(): void;
  /** That request finished, failed or waits for a sequence (it queues nothing meanwhile). */
  leave(): void;
  /** Requests currently counted. */
  readonly active: number;
  /** `batching` option for createContext. */
  readonly batching: { itemPrioritizationStrategy: CustomBatchingPrioritizationStrategy };
  /** Installs the barrier on a created context; returns false if node-llama-cpp's internals differ. */
  attach(context: LlamaContext): boolean;
}

interface QueuedDecode { sequenceId: number }
type DecodeTokens = (item: QueuedDecode, mapper: unknown) => Promise<unknown>;
interface ContextInternals {
  _decodeTokens?: DecodeTokens;
  _queuedDecodeSequenceIds?: Set<number>;
  _queuedDecodes?: QueuedDecode[];
}

/**
 * node-llama-cpp's "maximumParallelism" split of the batch's token slots among the queued items
 * (same arithmetic, written here because the package does not export it).
 */
export function maximumParallelism({ items, size }: { items: readonly BatchItem[]; size: number }): PrioritizedBatchItem[] {
  let left = size;
  const each = Math.floor(left / Math.max(1, items.length));
  const res: PrioritizedBatchItem[] = [];
  const clipped: PrioritizedBatchItem[] = [];
  for (const item of items) {
    const p = { item, processAmount: Math.min(item.tokens.length, left, each) };
    res.push(p);
    left -= p.processAmount;
    if (p.processAmount < item.tokens.length) clipped.push(p);
    if (left === 0) break;
  }
  for (let passes = 3; left > 0 && clipped.length > 0 && passes > 0; passes--) {
    const inc = Math.ceil(left / clipped.length);
    for (let i = 0; i < clipped.length && left > 0; i++) {
      const p = clipped[i]!;
      const rest = p.item.tokens.length - p.processAmount;
      const add = Math.min(rest, left, inc);
      p.processAmount += add; left -= add;
      if (add === rest) { clipped.splice(i, 1); i--; }
    }
  }
  clipped.sort((a, b) => b.item.evaluationPriority - a.item.evaluationPriority);
  for (let i = 0; i < clipped.length && left > 0; i++) {
    const p = clipped[i]!;
    const rest = p.item.tokens.length - p.processAmount;
    const add = Math.min(rest, left);
    p.processAmount += add; left -= add;
    if (add === rest) { clipped.splice(i, 1); i--; }
  }
  return res;
}

function sequenceIdOf(s: LlamaContextSequence): number {
  return (s as unknown as { _sequenceId?: number })._sequenceId ?? 0;
}

/** Takes the free sequence with the lowest id (so running sequences keep consecutive ids). */
export function takeLowestSequence(free: LlamaContextSequence[]): LlamaContextSequence | undefined {
  if (free.length === 0) return undefined;
  let best = 0;
  for (let i = 1; i < free.length; i++) if (sequenceIdOf(free[i]!) < sequenceIdOf(free[best]!)) best = i;
  return free.splice(best, 1)[0];
}

export function createBatchGate(): BatchGate {
  let active = 0;
  let total = Number.POSITIVE_INFINITY;
  let arrivalUntil = 0;
  let internals: ContextInternals | undefined;
  let original: DecodeTokens | undefined;
  /** Decodes handed to node-llama-cpp and not yet answered (queued there, or in the batch being decoded). */
  let released = 0;
  /** Since when nothing has been decoding while tokens were held. */
  let idleSince = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const held: Array<{ item: QueuedDecode; mapper: unknown; resolve: (v: unknown) => void; reject: (e: unknown) => void }> = [];

  const queuedCount = (): number => internals?._queuedDecodeSequenceIds?.size ?? 0;
  const decoding = (): boolean => released > queuedCount();

  const release = (): void => {
    const batch = held.splice(0).sort((a, b) => a.item.sequenceId - b.item.sequenceId);
    for (const h of batch) {
      released++;
      original!(h.item, h.mapper).then(h.resolve, h.reject).finally(() => {
        released--;
        if (!decoding()) idleSince = performance.now();
        check();
      });
    }
  };

  function check(): void {
    if (held.length === 0) return;
    const now = performance.now();
    const everyoneReady = held.length + queuedCount() >= active;
    const arrivalOver = now >= arrivalUntil || active >= total;
    const waitedTooLong = !decoding() && now - idleSince >= MAX_HOLD_MS;
    if ((everyoneReady && arrivalOver) || waitedTooLong) { release(); return; }
    // Re-check on a timer (events also re-check: answers, leave()).
    if (!timer) timer = setTimeout(() => { timer = undefined; check(); }, 1);
  }

  const itemPrioritizationStrategy: CustomBatchingPrioritizationStrategy = ({ items, size }) => {
    const res = maximumParallelism({ items, size });
    // node-llama-cpp builds `items` from its queue in order: item i is queued decode i.
    const queue = internals?._queuedDecodes;
    if (!queue || queue.length !== items.length) return res;
    const seqOf = new Map<BatchItem, number>(items.map((it, i) => [it, queue[i]!.sequenceId]));
    return res.sort((a, b) => seqOf.get(a.item)! - seqOf.get(b.item)!);
  };

  return {
    enter() {
      const now = performance.now();
      if (active === 0 || now < arrivalUntil) arrivalUntil = now + ARRIVAL_WINDOW_MS;
      active++;
    },
    leave() {
      active = Math.max(0, active - 1);
      check();
    },
    get active() { return active; },
    batching: { itemPrioritizationStrategy },
    attach(context) {
      const ctx = context as unknown as ContextInternals;
      if (typeof ctx._decodeTokens !== 'function' || !(ctx._queuedDecodeSequenceIds instanceof Set) || !Array.isArray(ctx._queuedDecodes)) return false;
      internals = ctx;
      total = context.totalSequences;
      original = ctx._decodeTokens.bind(context);
      ctx._decodeTokens = (item, mapper) => new Promise((resolve, reject) => {
        if (held.length === 0 && !decoding()) idleSince = performance.now();
        held.push({ item, mapper, resolve, reject });
        check();
      });
      return true;
    },
  };
}
