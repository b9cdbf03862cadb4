// Owns the engine worker process: the only process that runs node-llama-cpp. It loads models,
// keeps one context with N sequences per model (parallel requests decode in one batch), and
// answers the typed protocol of server/contract/worker-protocol.ts over IPC.
import os from 'node:os';
import {
  getLlama, LlamaChat, LlamaCompletion, resolveChatWrapper, LlamaLogLevel,
  type ChatHistoryItem, type ChatWrapper, type Llama, type LlamaContext, type LlamaContextSequence,
  type LlamaEmbeddingContext, type LlamaModel, type Token,
} from 'node-llama-cpp';
import type { CanonicalRequest, FinishReason } from '../contract/canonical.js';
import { FromWorker, ToWorker, type LoadOptions } from '../contract/worker-protocol.js';
import { computeSlots } from '../scheduler/slots.js';
import { createBatchGate, takeLowestSequence, type BatchGate } from './batch-sync.js';
import { chooseThreads, physicalCores } from './threads.js';
import { availableRam } from './system-memory.js';

interface Loaded {
  model: LlamaModel;
  context: LlamaContext;
  chatWrapper: ChatWrapper;
  contextSize: number;
  slots: number;
  embedding?: Promise<LlamaEmbeddingContext>;
  /** Keeps the running sequences decoding in full shared batches (see batch-sync.ts). */
  gate: BatchGate;
  /** Sequences whose history was cleared, ready for the next request (reused, never disposed). */
  free: LlamaContextSequence[];
  /** Requests waiting for a sequence still being released by a finished or aborted request. */
  waiters: Array<() => void>;
}

const config = JSON.parse(process.env.HEARTH_WORKER_CONFIG ?? '{}') as { threads?: number; gpu?: string };
const threads = chooseThreads(physicalCores(), config.threads);
const models = new Map<string, Loaded>();
const running = new Map<number, AbortController>();
let llama: Llama;

function send(m: FromWorker): void {
  process.send?.(m);
}

function fail(id: number, code: string, message: string, detail?: Record<string, unknown>): void {
  send({ t: 'error', id, error: { code, message, ...(detail ? { detail } : {}) } });
}

async function load(id: number, name: string, modelPath: string, opts: LoadOptions): Promise<void> {
  if (models.has(name)) await unload(name);
  let model: LlamaModel;
  try {
    model = await llama.loadModel({ modelPath, gpuLayers: opts.gpuLayers ?? 'auto', defaultContextFlashAttention: opts.flashAttention });
  } catch (err) {
    return fail(id, 'ERR_MODEL_LOAD_FAILED', `The model failed to load: ${(err as Error).message}`);
  }
  try {
    const trainCtx = model.trainContextSize;
    const contextSize = Math.max(64, Math.min(opts.contextSize, trainCtx));
    const onGpu = llama.gpu !== false && model.gpuLayers > 0;
    const est = (sequences: number) => model.fileInsights.estimateContextResourceRequirements({
      contextSize, modelGpuLayers: model.gpuLayers, sequences, flashAttention: opts.flashAttention, batchSize: opts.batchSize,
    });
    const one = est(1); const two = est(2);
    const perSeq = onGpu ? two.gpuVram - one.gpuVram : two.cpuRam - one.cpuRam;
    const overhead = Math.max(0, (onGpu ? one.gpuVram : one.cpuRam) - perSeq);
    const freeBytes = onGpu ? (await llama.getVramState()).free : availableRam();
    const fit = computeSlots({ freeBytes, weightsBytes: model.size, weightsLoaded: true, perSequenceBytes: perSeq, overheadBytes: overhead, maxConcurrency: opts.maxSequences });
    if (fit.slots < 1) {
      await model.dispose();
      return fail(id, 'ERR_MODEL_LOAD_FAILED', `Not enough memory for one sequence: ${fit.reason}`);
    }
    let slots = fit.slots;
    let context: LlamaContext | undefined;
    const gate = createBatchGate();
    for (;;) {
      try {
        context = await model.createContext({
          contextSize, sequences: slots, threads, flashAttention: opts.flashAttention, batchSize: opts.batchSize, batching: gate.batching,
        });
        break;
      } catch (err) {
        if (slots <= 1) throw err;
        slots = Math.max(1, Math.floor(slots / 2)); // the estimate was optimistic: fewer sequences
      }
    }
    if (!gate.attach(context)) process.stderr.write('worker: batch-sync not available for this node-llama-cpp; using its stock batching\n');
    const chatWrapper = resolveChatWrapper(model) ?? resolveChatWrapper({ type: 'chatML' } as never)!;
    models.set(name, { model, context, chatWrapper, contextSize, slots, gate, free: [], waiters: [] });
    send({ t: 'loaded', id, info: { model: name, slots, contextSize, trainContextSize: trainCtx, gpu: String(llama.gpu), threads, sizeBytes: model.size, slotsReason: fit.reason } });
  } catch (err) {
    await model.dispose().catch(() => undefined);
    fail(id, 'ERR_MODEL_LOAD_FAILED', `The model failed to load: ${(err as Error).message}`);
  }
}

async function unload(name: string): Promise<void> {
  const m = models.get(name);
  if (!m) return;
  models.delete(name);
  if (m.embedding) await (await m.embedding).dispose().catch(() => undefined);
  await m.context.dispose();
  await m.model.dispose();
}

function toHistory(req: Extract<CanonicalRequest, { kind: 'chat' }>): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = req.messages.map((m) =>
    m.role === 'system' ? { type: 'system', text: m.content }
      : m.role === 'user' ? { type: 'user', text: m.content }
        : { type: 'model', response: [m.content] });
  history.push({ type: 'model', response: [] });
  return history;
}

function finishOf(stopReason: string): FinishReason {
  if (stopReason === 'maxTokens') return 'length';
  if (stopReason === 'abort') return 'abort';
  return 'stop';
}

async function generate(id: number, req: CanonicalRequest): Promise<void> {
  const m = models.get(req.model);
  if (!m) return fail(id, 'ERR_MODEL_NOT_FOUND', `The model "${req.model}" is not loaded.`);
  const ac = new AbortController();
  running.set(id, ac);
  let seq: LlamaContextSequence | undefined;
  // Counted from arrival, so that a batch being scheduled waits for this prompt (bounded, batch-sync.ts).
  m.gate.enter();
  let gated = true;
  try {
    const history = req.kind === 'chat' ? toHistory(req) : undefined;
    const promptTokens = history
      ? m.chatWrapper.generateContextState({ chatHistory: history }).contextText.tokenize(m.model.tokenizer).length
      : m.model.tokenize((req as Extract<CanonicalRequest, { kind: 'completion' }>).prompt).length + 1;
    if (promptTokens >= m.contextSize) {
      return fail(id, 'ERR_CONTEXT_LENGTH',
        `This model's maximum context length is ${m.contextSize} tokens, but the prompt is ${promptTokens} tokens.`,
        { promptTokens, contextSize: m.contextSize });
    }
    const s = req.sampling;
    const maxTokens = Math.min(s.maxTokens ?? Number.MAX_SAFE_INTEGER, m.contextSize - promptTokens);
    let completionTokens = 0;
    let started = false;
    const onToken = (tokens: Token[]) => {
      completionTokens += tokens.length;
      if (!started) { started = true; send({ t: 'start', id, promptTokens }); }
    };
    const onTextChunk = (text: string) => { if (text) send({ t: 'delta', id, text }); };
    const penalties = s.repeatPenalty !== undefined || s.frequencyPenalty !== undefined || s.presencePenalty !== undefined
      ? { penalty: s.repeatPenalty ?? 1, frequencyPenalty: s.frequencyPenalty, presencePenalty: s.presencePenalty }
      : undefined;
    const common = {
      maxTokens, temperature: s.temperature, topK: s.topK, topP: s.topP, minP: s.minP, seed: s.seed,
      repeatPenalty: penalties, customStopTriggers: s.stop, signal: ac.signal, stopOnAbortSignal: true, onToken, onTextChunk,
    };
    // The server admits at most `slots` requests; a sequence may still be clearing its history.
    if (m.free.length === 0 && m.context.sequencesLeft < 1) {
      m.gate.leave(); gated = false; // not decoding while it waits: running batches must not wait for it
      while (m.free.length === 0 && m.context.sequencesLeft < 1) await new Promise<void>((r) => m.waiters.push(r));
      m.gate.enter(); gated = true;
    }
    if (ac.signal.aborted) throw new Error('aborted');
    seq = takeLowestSequence(m.free) ?? m.context.getSequence();
    let stopReason: string;
    let trigger: (string | Token)[] | undefined;
    if (history) {
      const chat = new LlamaChat({ contextSequence: seq, chatWrapper: m.chatWrapper });
      try {
        const res = await chat.generateResponse(history, common);
        stopReason = res.metadata.stopReason;
        if (res.metadata.stopReason === 'customStopTrigger') trigger = res.metadata.customStopTrigger;
      } finally { chat.dispose({ disposeSequence: false }); }
    } else {
      const completion = new LlamaCompletion({ contextSequence: seq });
      try {
        const res = await completion.generateCompletionWithMeta((req as Extract<CanonicalRequest, { kind: 'completion' }>).prompt, common);
        stopReason = res.metadata.stopReason;
        if (res.metadata.stopReason === 'customStopTrigger') trigger = res.metadata.customStopTrigger;
      } finally { completion.dispose({ disposeSequence: false }); }
    }
    if (!started) send({ t: 'start', id, promptTokens });
    const stopSequence = trigger?.filter((x): x is string => typeof x === 'string').join('');
    send({ t: 'done', id, finishReason: ac.signal.aborted ? 'abort' : finishOf(stopReason), usage: { promptTokens, completionTokens }, ...(stopSequence ? { stopSequence } : {}) });
  } catch (err) {
    if (ac.signal.aborted) send({ t: 'done', id, finishReason: 'abort', usage: { promptTokens: 0, completionTokens: 0 } });
    else fail(id, 'ERR_INTERNAL', `Generation failed: ${(err as Error).message}`);
  } finally {
    running.delete(id);
    if (gated) m.gate.leave();
    if (seq) await release(m, seq);
    m.waiters.shift()?.();
  }
}

/** Clears a sequence's history and returns it to the pool; a sequence that cannot be cleared is disposed. */
async function release(m: Loaded, seq: LlamaContextSequence): Promise<void> {
  if (seq.disposed) return;
  try {
    await seq.clearHistory();
    if (!m.context.disposed) m.free.push(seq);
  } catch {
    if (!seq.disposed) seq.dispose();
  }
}

async function embed(id: number, name: string, input: string[]): Promise<void> {
  const m = models.get(name);
  if (!m) return fail(id, 'ERR_MODEL_NOT_FOUND', `The model "${name}" is not loaded.`);
  const embedCtx = Math.min(m.contextSize, m.model.trainContextSize);
  m.embedding ??= m.model.createEmbeddingContext({ threads, contextSize: embedCtx });
  const ctx = await m.embedding;
  const embeddings: number[][] = [];
  let promptTokens = 0;
  for (const text of input) {
    const tokens = m.model.tokenize(text);
    if (tokens.length >= embedCtx) {
      return fail(id, 'ERR_CONTEXT_LENGTH', `An input is ${tokens.length} tokens; the embedding context holds ${embedCtx}.`, { promptTokens: tokens.length, contextSize: embedCtx });
    }
    promptTokens += tokens.length;
    embeddings.push([...(await ctx.getEmbeddingFor(tokens)).vector]);
  }
  send({ t: 'embedded', id, embeddings, promptTokens });
}

async function memory(id: number): Promise<void> {
  const v = await llama.getVramState();
  send({ t: 'memory', id, info: { gpu: String(llama.gpu), vram: { total: v.total, used: v.used, free: v.free }, ram: { total: os.totalmem(), free: availableRam() } } });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.t) {
    case 'load': return load(msg.id, msg.model, msg.path, msg.options);
    case 'unload': await unload(msg.model); return send({ t: 'unloaded', id: msg.id });
    case 'generate': return generate(msg.id, msg.req);
    case 'embed': return embed(msg.id, msg.model, msg.input);
    case 'abort': running.get(msg.id)?.abort(); return;
    case 'memory': return memory(msg.id);
  }
}

async function main(): Promise<void> {
  const gpu = config.gpu === 'false' ? false : (config.gpu === undefined || config.gpu === 'auto') ? 'auto' : config.gpu as 'cuda' | 'vulkan' | 'metal';
  llama = await getLlama({ gpu, maxThreads: threads, logLevel: LlamaLogLevel.error, logger: (_lvl, text) => process.stderr.write(`[llama] ${text}\n`) });
  process.on('message', (raw) => {
    const parsed = ToWorker.safeParse(raw);
    if (!parsed.success) { process.stderr.write(`worker: bad message ${parsed.error.message}\n`); return; }
    handle(parsed.data).catch((err) => fail((parsed.data as { id: number }).id, 'ERR_INTERNAL', (err as Error).message));
  });
  process.on('disconnect', () => { void llama.dispose().finally(() => process.exit(0)); });
  send({ t: 'ready', gpu: String(llama.gpu), threads });
}

void main().catch((err) => { process.stderr.write(`worker failed to start: ${(err as Error).stack}\n`); process.exit(1); });
