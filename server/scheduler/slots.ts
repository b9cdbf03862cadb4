// Owns the slot arithmetic: how many parallel sequences of a local model fit in free memory (VRAM on a
// GPU, RAM on CPU) next to its weights. Pure functions over figures the engine worker measures with
// node-llama-cpp (getVramState, GgufInsights estimates); nothing here touches the engine.

export interface SlotInputs {
  /** Free bytes now on the device that holds the KV cache (VRAM on GPU, RAM on CPU). */
  freeBytes: number;
  /** Bytes the weights take on that device. */
  weightsBytes: number;
  /** Whether the weights are already loaded (and so already missing from `freeBytes`). */
  weightsLoaded: boolean;
  /** Extra bytes one more sequence needs (its KV cache / state). */
  perSequenceBytes: number;
  /** Fixed bytes for the context besides the sequences (compute graph, scratch) plus any safety margin. */
  overheadBytes: number;
  /** Upper bound (--max-concurrency). */
  maxConcurrency: number;
}

export interface SlotResult {
  slots: number;
  /** Why this number, for status and logs. */
  reason: string;
}

const MiB = 1024 * 1024;
function fmt(bytes: number): string {
  return bytes >= 1024 * MiB ? `${(bytes / (1024 * MiB)).toFixed(1)} GiB` : `${Math.round(bytes / MiB)} MiB`;
}
const isSize = (n: number): boolean => Number.isFinite(n) && n >= 0;

/** How many parallel sequences fit: floor((free − weights if not loaded − overhead) / per-sequence), within 0..maxConcurrency. */
export function computeSlots(i: SlotInputs): SlotResult {
  const cap = Number.isFinite(i.maxConcurrency) ? Math.max(0, Math.floor(i.maxConcurrency)) : 0;
  if (![i.freeBytes, i.weightsBytes, i.perSequenceBytes, i.overheadBytes].every(isSize)) {
    return { slots: 0, reason: 'memory figures are unknown or invalid' };
  }
  if (cap === 0) return { slots: 0, reason: 'max concurrency is 0' };
  const weights = i.weightsLoaded ? 0 : i.weightsBytes;
  const available = i.freeBytes - weights - i.overheadBytes;
  const where = i.weightsLoaded
    ? `${fmt(i.freeBytes)} free next to the loaded weights`
    : `${fmt(i.freeBytes)} free for ${fmt(i.weightsBytes)} of weights`;
  if (available <= 0) {
    return { slots: 0, reason: `not enough memory: ${where} and ${fmt(i.overheadBytes)} of context overhead` };
  }
  if (i.perSequenceBytes === 0) return { slots: cap, reason: `capped by max concurrency ${cap}` };
  const fit = Math.floor(available / i.perSequenceBytes);
  if (fit <= 0) {
    return { slots: 0, reason: `not enough memory for one sequence of ${fmt(i.perSequenceBytes)}: ${fmt(available)} left after the weights and overhead` };
  }
  if (fit >= cap) return { slots: cap, reason: `capped by max concurrency ${cap} (${fit} sequences of ${fmt(i.perSequenceBytes)} fit; ${where})` };
  return { slots: fit, reason: `${fit} sequences of ${fmt(i.perSequenceBytes)} fit (${where})` };
}

/** A GgufInsights estimate: bytes in RAM and in VRAM. */
export interface ResourceEstimate { cpuRam: number; gpuVram: number }

export interface ResourceSlotInputs {
  /** Whether the model runs on a GPU (then VRAM and RAM both bind); false: CPU only. */
  gpu: boolean;
  /** Free VRAM now (getVramState().free). Ignored when `gpu` is false. */
  vramFreeBytes: number;
  /** Free RAM now (os.freemem() or getRamState().free). */
  ramFreeBytes: number;
  /** estimateModelResourceRequirements({ gpuLayers }) for the chosen layers. */
  model: ResourceEstimate;
  /** estimateContextResourceRequirements({ contextSize, modelGpuLayers, sequences: 1 }). */
  contextOneSequence: ResourceEstimate;
  /** The same with sequences: 2; the difference is the cost of one more sequence. */
  contextTwoSequences: ResourceEstimate;
  weightsLoaded: boolean;
  maxConcurrency: number;
  /** Kept free on each device for safety. Defaults to 5% of that device's free bytes. */
  marginBytes?: number;
}

/**
 * Slots from node-llama-cpp's own figures: the per-sequence cost is the difference between the
 * 1- and 2-sequence context estimates; the rest of the 1-sequence estimate is fixed overhead.
 * On GPU both VRAM and RAM must fit; the smaller count wins.
 */
export function slotsFromResourceEstimates(i: ResourceSlotInputs): SlotResult {
  const device = (key: keyof ResourceEstimate, free: number): SlotResult => {
    const perSeq = Math.max(0, i.contextTwoSequences[key] - i.contextOneSequence[key]);
    const overhead = Math.max(0, i.contextOneSequence[key] - perSeq);
    const margin = i.marginBytes ?? Math.max(0, free) * 0.05;
    return computeSlots({
      freeBytes: free, weightsBytes: i.model[key], weightsLoaded: i.weightsLoaded,
      perSequenceBytes: perSeq, overheadBytes: overhead + margin, maxConcurrency: i.maxConcurrency,
    });
  };
  const ram = device('cpuRam', i.ramFreeBytes);
  if (!i.gpu) return { slots: ram.slots, reason: `RAM: ${ram.reason}` };
  const vram = device('gpuVram', i.vramFreeBytes);
  return vram.slots <= ram.slots
    ? { slots: vram.slots, reason: `VRAM: ${vram.reason}` }
    : { slots: ram.slots, reason: `RAM: ${ram.reason}` };
}
