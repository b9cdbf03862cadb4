// Owns the fit estimate: from a model's shape and this machine's VRAM and RAM figures, whether the
// model fits, on the GPU or the CPU, with how many parallel slots and at what context size. Pure:
// the caller injects the memory figures (from the engine's GPU query or os.freemem()).
import type { FitEstimate } from '../contract/models.js';

const MiB = 1024 * 1024;

export interface FitInput {
  /** Weights, bytes (the file size is a good figure). */
  modelBytes: number;
  layers: number;
  /** Embedding width (used for the compute-buffer estimate). */
  embd: number;
  /** Key/value heads. */
  headsKv: number;
  /** Dimension of one head. */
  headDim: number;
  /** Context tokens wanted per slot. */
  contextSize: number;
  /** The model's trained context: the context is never raised above it. */
  trainedContextSize?: number;
  /** Free/total bytes; null or zero total when there is no GPU. */
  vram: { total: number; free: number } | null;
  ram: { total: number; free: number };
  /** Most slots wanted. */
  maxConcurrency: number;
  /** Smallest context accepted when shrinking to fit. Defaults to 512. */
  minContextSize?: number;
}

/** Fraction of free memory the estimate lets itself use. */
export const FIT_HEADROOM = { gpu: 0.9, cpu: 0.8 } as const;

/** KV cache bytes of one sequence: K and V, per layer, per token, f16. */
export function kvBytesPerSequence(layers: number, contextSize: number, headsKv: number, headDim: number): number {
  return 2 * layers * contextSize * headsKv * headDim * 2;
}

/** Compute buffers and scratch: a fixed part plus a part growing with the weights and the width. */
export function computeOverheadBytes(modelBytes: number, embd: number): number {
  return 256 * MiB + Math.ceil(modelBytes * 0.05) + 512 * embd * 4 * 16;
}

function tryFit(available: number, input: FitInput, contexts: number[]): { slots: number; contextSize: number; bytesNeeded: number } | null {
  const base = input.modelBytes + computeOverheadBytes(input.modelBytes, input.embd);
  for (const ctx of contexts) {
    const kv = kvBytesPerSequence(input.layers, ctx, input.headsKv, input.headDim);
    const room = available - base;
    if (room <= 0 || kv <= 0) return null;
    const slots = Math.min(Math.max(1, Math.floor(input.maxConcurrency)), Math.floor(room / kv));
    if (slots >= 1) return { slots, contextSize: ctx, bytesNeeded: base + slots * kv };
  }
  return null;
}

const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;

/** Estimates where and how a model fits. Prefers the GPU, then the CPU; shrinks the context (by halves) before giving up. */
export function estimateFit(input: FitInput): FitEstimate {
  const minCtx = Math.max(1, input.minContextSize ?? 512);
  let ctx = Math.floor(input.contextSize);
  if (input.trainedContextSize && input.trainedContextSize > 0) ctx = Math.min(ctx, input.trainedContextSize);
  const contexts: number[] = [];
  for (let c = ctx; c >= Math.min(minCtx, ctx) && contexts.length < 32; c = Math.floor(c / 2)) contexts.push(c);
  if (contexts.length === 0) contexts.push(ctx);

  const vramFree = input.vram && input.vram.total > 0 ? input.vram.free : 0;
  if (vramFree > 0) {
    const r = tryFit(vramFree * FIT_HEADROOM.gpu, input, contexts);
    if (r) {
      return {
        fits: true, where: 'gpu', ...r,
        reason: `fits in GPU memory (${gib(r.bytesNeeded)} of ${gib(vramFree)} free) with ${r.slots} slot(s) of ${r.contextSize} tokens` +
          (r.contextSize < ctx ? ` (context reduced from ${ctx})` : ''),
      };
    }
  }
  const r = tryFit(input.ram.free * FIT_HEADROOM.cpu, input, contexts);
  if (r) {
    return {
      fits: true, where: 'cpu', ...r,
      reason: `${vramFree > 0 ? 'too large for GPU memory; ' : ''}fits in RAM (${gib(r.bytesNeeded)} of ${gib(input.ram.free)} free) with ${r.slots} slot(s) of ${r.contextSize} tokens` +
        (r.contextSize < ctx ? ` (context reduced from ${ctx})` : ''),
    };
  }
  const need = input.modelBytes + computeOverheadBytes(input.modelBytes, input.embd) + kvBytesPerSequence(input.layers, contexts.at(-1)!, input.headsKv, input.headDim);
  return {
    fits: false, where: 'none', slots: 0, contextSize: 0, bytesNeeded: need,
    reason: `needs about ${gib(need)} but only ${gib(vramFree)} of GPU memory and ${gib(input.ram.free)} of RAM are free`,
  };
}
