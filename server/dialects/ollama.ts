// Owns the Ollama dialect: translates /api/chat, /api/generate and /api/embed into canonical requests
// (options, keep_alive, `<name>:latest`, load/unload requests), and canonical events into Ollama's
// NDJSON chunks, final statistics (durations in ns), and the tags/ps/show listings.
import { createHash } from 'node:crypto';
import type { HttpResponse } from '../http/node-http.js';
import type { CanonicalMessage, CanonicalRequest, EngineEvent, FinishReason, Sampling, Usage } from '../contract/canonical.js';
import {
  OLLAMA_SUPPORTED_OPTIONS, OllamaChatRequest, OllamaEmbedRequest, OllamaEmbeddingsRequest, OllamaGenerateRequest, OllamaShowRequest,
  type DoneReason, type OllamaChatChunk, type OllamaGenerateChunk, type OllamaModelDetails, type OllamaOptions, type OllamaStats,
} from '../contract/ollama.js';
import type { LoadedInfo } from '../contract/worker-protocol.js';
import type { ModelListing } from '../inference/engine.js';
import { errorBody } from '../errors/format.js';
import { hearthError, type HearthError } from '../errors/catalog.js';
import type { Collected, StreamSink } from '../inference/pipeline.js';
import { parseBody } from './validate.js';
import { ndjsonWriter } from './stream-writer.js';

export type OllamaKind = 'chat' | 'generate';

/** The longest keep-alive a Node timer can hold (~24.8 days); longer ones mean "forever". */
const MAX_TIMER_MS = 2 ** 31 - 1;
const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Ollama's `keep_alive` in ms: a number is seconds, a string is a Go duration ("5m", "1h30m",
 * "500ms") or a number of seconds ("300"). 0: unload after the request; negative (or longer than a
 * timer can hold): forever (-1). Undefined when absent; ERR_VALIDATION when unreadable.
 */
export function parseKeepAlive(v: number | string | null | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  let ms: number;
  if (typeof v === 'number') ms = v * 1000;
  else {
    const s = v.trim();
    if (/^[-+]?\d+(\.\d+)?$/.test(s)) ms = Number(s) * 1000;
    else {
      const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(s);
      if (!m) throw hearthError('ERR_VALIDATION', `Invalid request: keep_alive: "${v.slice(0, 64)}" is not a duration (use seconds, or e.g. "5m", "1h", "-1").`, { detail: { param: 'keep_alive' } });
      ms = 0;
      for (const part of s.replace(/^[-+]/, '').matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(part[1]) * UNITS[part[2]!]!;
      if (m[1] === '-') ms = -ms;
    }
  }
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_MS) return -1;
  return Math.round(ms);
}

/** Ollama names carry a tag; Hearth's local names do not: `tiny:latest` means `tiny`. */
export function modelNameOf(name: string): string {
  return !name.includes('/') && name.endsWith(':latest') ? name.slice(0, -':latest'.length) : name;
}

/** Refuses `options` keys Hearth does not honour, naming them and the supported ones. */
function refuseUnknownOptions(body: unknown): void {
  if (!body || typeof body !== 'object') return;
  const options = (body as { options?: unknown }).options;
  if (!options || typeof options !== 'object' || Array.isArray(options)) return;
  const unknown = Object.keys(options).filter((k) => !(OLLAMA_SUPPORTED_OPTIONS as readonly string[]).includes(k));
  if (unknown.length) {
    throw hearthError('ERR_NOT_SUPPORTED', `These options are not supported: ${unknown.map((k) => `options.${k}`).join(', ')}. Hearth honours: ${OLLAMA_SUPPORTED_OPTIONS.join(', ')}.`, { detail: { param: `options.${unknown[0]}` } });
  }
}

function samplingOf(o: OllamaOptions | null | undefined): Sampling {
  const s: Sampling = {};
  if (!o) return s;
  if (o.num_predict != null && o.num_predict > 0) s.maxTokens = o.num_predict;
  if (o.temperature != null) s.temperature = o.temperature;
  if (o.top_k != null) s.topK = o.top_k;
  // Ollama allows top_p 0; the canonical range starts above 0.
  if (o.top_p != null) s.topP = Math.max(o.top_p, 1e-6);
  if (o.min_p != null) s.minP = o.min_p;
  if (o.seed != null && o.seed >= 0) s.seed = o.seed;
  if (o.stop != null) { const stop = typeof o.stop === 'string' ? [o.stop] : o.stop; if (stop.length) s.stop = stop; }
  if (o.repeat_penalty != null) s.repeatPenalty = o.repeat_penalty;
  if (o.presence_penalty != null) s.presencePenalty = o.presence_penalty;
  if (o.frequency_penalty != null) s.frequencyPenalty = o.frequency_penalty;
  return s;
}

/** A translated /api/chat or /api/generate request. `canonical` is absent for a load/unload request. */
export interface OllamaCall {
  kind: OllamaKind;
  /** The name as the client sent it (echoed in every answer). */
  displayModel: string;
  /** Hearth's name (`:latest` stripped). */
  model: string;
  stream: boolean;
  keepAliveMs?: number;
  /** options.num_ctx, which the route checks against the loaded context. */
  numCtx?: number;
  canonical?: CanonicalRequest;
}

export function chatToCanonical(body: unknown): OllamaCall {
  refuseUnknownOptions(body);
  const b = parseBody(OllamaChatRequest, body);
  const call = base('chat', b.model, b.stream, b.keep_alive, b.options);
  if (b.messages.length === 0) return call;
  const messages: CanonicalMessage[] = b.messages.map((m, i) => {
    if (m.role === 'tool') throw hearthError('ERR_NOT_SUPPORTED', `messages.${i}: tool messages are not supported.`);
    return { role: m.role, content: m.content };
  });
  call.canonical = { kind: 'chat', model: call.model, messages, sampling: samplingOf(b.options), ...keep(call) };
  return call;
}

export function generateToCanonical(body: unknown): OllamaCall {
  refuseUnknownOptions(body);
  const b = parseBody(OllamaGenerateRequest, body);
  const call = base('generate', b.model, b.stream, b.keep_alive, b.options);
  const system = b.system ?? '';
  if (b.prompt === '' && system === '') return call;
  const sampling = samplingOf(b.options);
  if (b.raw) {
    if (system) throw hearthError('ERR_NOT_SUPPORTED', 'system cannot be combined with raw: a raw prompt is sent as-is.');
    call.canonical = { kind: 'completion', model: call.model, prompt: b.prompt, sampling, ...keep(call) };
  } else {
    const messages: CanonicalMessage[] = system ? [{ role: 'system', content: system }] : [];
    messages.push({ role: 'user', content: b.prompt });
    call.canonical = { kind: 'chat', model: call.model, messages, sampling, ...keep(call) };
  }
  return call;
}

function base(kind: OllamaKind, displayModel: string, stream: boolean | null | undefined, keepAlive: number | string | null | undefined, options: OllamaOptions | null | undefined): OllamaCall {
  const call: OllamaCall = { kind, displayModel, model: modelNameOf(displayModel), stream: stream ?? true };
  const ka = parseKeepAlive(keepAlive);
  if (ka !== undefined) call.keepAliveMs = ka;
  if (options?.num_ctx != null) call.numCtx = options.num_ctx;
  return call;
}
const keep = (c: OllamaCall) => (c.keepAliveMs !== undefined ? { keepAliveMs: c.keepAliveMs } : {});

/** Throws unless the loaded context holds `numCtx` tokens (Hearth does not reload a model per request). */
export function checkNumCtx(numCtx: number | undefined, contextSize: number | undefined, model: string): void {
  if (numCtx === undefined || contextSize === undefined || numCtx <= contextSize) return;
  throw hearthError('ERR_NOT_SUPPORTED', `options.num_ctx ${numCtx} is larger than the ${contextSize}-token context "${model}" is loaded with; Hearth does not reload a model per request (set its context size in Hearth's model settings).`, { detail: { param: 'options.num_ctx' } });
}

export function embedInput(body: unknown): { displayModel: string; model: string; input: string[]; keepAliveMs?: number } {
  refuseUnknownOptions(body);
  const b = parseBody(OllamaEmbedRequest, body);
  const ka = parseKeepAlive(b.keep_alive);
  return { displayModel: b.model, model: modelNameOf(b.model), input: typeof b.input === 'string' ? (b.input ? [b.input] : []) : b.input, ...(ka !== undefined ? { keepAliveMs: ka } : {}) };
}

export function embeddingsInput(body: unknown): { model: string; input: string[]; keepAliveMs?: number } {
  refuseUnknownOptions(body);
  const b = parseBody(OllamaEmbeddingsRequest, body);
  const ka = parseKeepAlive(b.keep_alive);
  return { model: modelNameOf(b.model), input: [b.prompt], ...(ka !== undefined ? { keepAliveMs: ka } : {}) };
}

export function showInput(body: unknown): { displayModel: string; model: string } {
  const b = parseBody(OllamaShowRequest, body);
  const displayModel = (b.model ?? b.name)!;
  return { displayModel, model: modelNameOf(displayModel) };
}

const ns = (ms: number) => Math.max(0, Math.round(ms * 1e6));
const doneReasonOf = (f: FinishReason): DoneReason => (f === 'length' ? 'length' : 'stop');

/** The final statistics. Times in ms: total, until the prompt was evaluated, loading (when known). */
export function statsOf(usage: Usage, t: { totalMs: number; promptMs: number; loadMs?: number }): OllamaStats {
  const load = t.loadMs ?? 0;
  return {
    total_duration: ns(t.totalMs),
    load_duration: ns(load),
    prompt_eval_count: usage.promptTokens,
    prompt_eval_duration: ns(t.promptMs - load),
    eval_count: usage.completionTokens,
    eval_duration: ns(t.totalMs - t.promptMs),
  };
}

function chunk(kind: OllamaKind, model: string, text: string): OllamaChatChunk | OllamaGenerateChunk {
  const created_at = new Date().toISOString();
  return kind === 'chat'
    ? { model, created_at, message: { role: 'assistant', content: text }, done: false }
    : { model, created_at, response: text, done: false };
}

/** The non-streamed answer (also the last line of a stream). */
export function finalChunk(kind: OllamaKind, model: string, text: string, finishReason: FinishReason, stats: OllamaStats): OllamaChatChunk | OllamaGenerateChunk {
  return { ...chunk(kind, model, text), done: true, done_reason: doneReasonOf(finishReason), ...stats };
}

export function collectedResponse(kind: OllamaKind, model: string, r: Collected): OllamaChatChunk | OllamaGenerateChunk {
  return finalChunk(kind, model, r.text, r.finishReason, statsOf(r.usage, { totalMs: r.durationMs, promptMs: Math.min(r.firstTokenMs, r.durationMs) }));
}

/** The answer to a load (empty prompt/messages) or unload (the same with keep_alive 0) request. */
export function loadResponse(kind: OllamaKind, model: string, reason: 'load' | 'unload'): OllamaChatChunk | OllamaGenerateChunk {
  return { ...chunk(kind, model, ''), done: true, done_reason: reason };
}

/**
 * The Ollama NDJSON sink: one `done: false` line per text delta, then a `done: true` line with the
 * statistics. Heartbeats are empty-content chunks (valid lines every Ollama client accepts); a
 * failure is one `{"error": "..."}` line, then the connection closes.
 */
export function ollamaSink(res: HttpResponse, o: { kind: OllamaKind; model: string; stallMs: number }): StreamSink {
  const w = ndjsonWriter(res, o.stallMs, () => chunk(o.kind, o.model, ''));
  const t0 = performance.now();
  let promptAt: number | undefined;
  return {
    open: () => w.open(),
    heartbeat: () => w.heartbeat(),
    async write(e: EngineEvent) {
      const now = performance.now();
      if (e.type === 'start') { promptAt ??= now; return; }
      if (e.type === 'delta') {
        promptAt ??= now;
        if (e.text) await w.send(chunk(o.kind, o.model, e.text));
        return;
      }
      await w.send(finalChunk(o.kind, o.model, '', e.finishReason, statsOf(e.usage, { totalMs: now - t0, promptMs: (promptAt ?? now) - t0 })));
    },
    fail(err: HearthError) { void w.send(errorBody('ollama', err)).catch(() => undefined).finally(() => w.end()); },
    end: () => w.end(),
  };
}

/** "1.2B", "494.03M", "4.1K" like Ollama's parameter_size. */
export function parameterSize(n: number | undefined): string {
  if (!n || n <= 0) return '';
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)}K`;
  return String(n);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

export function detailsOf(m: ModelListing | undefined): OllamaModelDetails {
  const d = m?.details ?? {};
  const family = str(d.architecture) ?? str(d.family) ?? '';
  return {
    parent_model: '',
    format: m?.owner === 'local' ? 'gguf' : str(d.format) ?? '',
    family,
    families: family ? [family] : null,
    parameter_size: str(d.parameter_size) ?? parameterSize(num(d.parameterCount)),
    quantization_level: str(d.quantization) ?? str(d.quantization_level) ?? '',
  };
}

/** A stable identifier for a listing (Hearth does not hash model files on every listing). */
export function digestOf(m: { id: string; size?: number; modifiedAt?: string }): string {
  return createHash('sha256').update(`${m.id}\0${m.size ?? 0}\0${m.modifiedAt ?? ''}`).digest('hex');
}

const isoOr0 = (s: string | undefined) => (s && !Number.isNaN(Date.parse(s)) ? new Date(s).toISOString() : new Date(0).toISOString());

export function tagsResponse(models: ModelListing[]) {
  return {
    models: models.map((m) => ({ name: m.id, model: m.id, modified_at: isoOr0(m.modifiedAt), size: m.size ?? 0, digest: digestOf(m), details: detailsOf(m) })),
  };
}

/** Ollama reports "forever" as now + the largest Go duration (~292 years). */
const FOREVER_MS = Math.floor(Number(2n ** 63n - 1n) / 1e6);

export function psResponse(loaded: Array<{ name: string; info: LoadedInfo; expiresAt?: string; active: number }>, listings: ModelListing[], now = Date.now()) {
  return {
    models: loaded.map((l) => {
      const listing = listings.find((m) => m.id === l.name);
      return {
        name: l.name, model: l.name, size: l.info.sizeBytes,
        digest: digestOf(listing ?? { id: l.name, size: l.info.sizeBytes }),
        details: detailsOf(listing ?? { id: l.name, owner: 'local' }),
        expires_at: l.expiresAt ?? new Date(now + FOREVER_MS).toISOString(),
        size_vram: l.info.gpu && l.info.gpu !== 'false' ? l.info.sizeBytes : 0,
        context_length: l.info.contextSize,
      };
    }),
  };
}

/** `/api/show`: what the catalog knows, in Ollama's fields. */
export function showResponse(m: ModelListing, loaded?: LoadedInfo) {
  const d = m.details ?? {};
  const details = detailsOf(m);
  const arch = details.family || 'unknown';
  const info: Record<string, unknown> = { 'general.architecture': arch };
  const put = (k: string, v: unknown) => { if (v !== undefined) info[k] = v; };
  put('general.name', str(d.displayName));
  put('general.parameter_count', num(d.parameterCount));
  put(`${arch}.context_length`, num(d.contextLength));
  put(`${arch}.embedding_length`, num(d.embeddingLength));
  put(`${arch}.block_count`, num(d.layers));
  put(`${arch}.attention.head_count`, num(d.headCount));
  put(`${arch}.attention.head_count_kv`, num(d.headCountKv));
  const params = loaded ? `num_ctx ${loaded.contextSize}` : '';
  return {
    modelfile: `# Served by Hearth\nFROM ${m.id}\n${params ? `PARAMETER ${params}\n` : ''}`,
    parameters: params,
    /** Hearth applies the GGUF's own chat template; there is no Ollama (Go) template to show. */
    template: '',
    details,
    model_info: info,
    capabilities: m.owner === 'local' ? ['completion', 'embedding'] : ['completion'],
    modified_at: isoOr0(m.modifiedAt),
  };
}
