// Owns the life of one inference request, the same for every dialect and engine: key limits,
// model resolution, admission (429 before any byte), on-demand load, generation with a
// combined abort (client gone, deadline, slow reader), token accounting, and slot release.
import type { HttpResponse } from '../http/node-http.js';
import type { CanonicalRequest, EngineEvent, FinishReason, Usage } from '../contract/canonical.js';
import { HearthError, hearthError, toHearthError } from '../errors/catalog.js';
import type { Principal } from '../auth/principal.js';
import type { Admission, Lease } from '../scheduler/admission.js';
import { createHeartbeat } from '../scheduler/stream-guard.js';
import type { ModelRouter, Target } from './router.js';
import { admitTo, awaitSlot, checkKeyLimits } from './admit.js';
import { giveBackController, takeController } from './controllers.js';

/** How a dialect writes a stream. `write` may await backpressure; it rejects if the client stalls. */
export interface StreamSink {
  /** Sends status and headers. Called once, before any other method. */
  open(): void;
  /** A keep-alive that clients ignore (SSE comment, NDJSON-safe whitespace). */
  heartbeat(): void;
  write(e: EngineEvent): Promise<void> | void;
  /** One error event in the dialect, then the connection closes (no [DONE]). */
  fail(err: HearthError): void;
  /** Ends a successful stream. */
  end(): void;
}

/** Hooks for metrics and the status page. */
export interface PipelineObserver {
  admitted?(pool: string, queued: boolean): void;
  rejected?(pool: string, reason: string): void;
  firstToken?(pool: string, ms: number): void;
  token?(pool: string, gapMs: number): void;
  finished?(pool: string, r: { usage: Usage; finishReason: FinishReason; durationMs: number; status: number; principal: Principal; model: string; error?: string }): void;
}

/** What the pipeline needs from key limits (server/auth/key-limits.ts). */
export interface LimitsLike {
  checkRequest(principal: Principal, model: string): Promise<Record<string, string>>;
  addTokens(principal: Principal, n: number): Promise<void>;
}

export interface PipelineDeps {
  router: ModelRouter;
  admission: Admission;
  limits: LimitsLike;
  heartbeatMs: number;
  requestTimeoutMs: number;
  observer?: PipelineObserver;
  /** Spill-over: for a local model whose queue is full, the upstream target to use instead. */
  spillTarget?: (model: string, principal: Principal) => Promise<Target | undefined>;
}

export interface Collected { text: string; finishReason: FinishReason; usage: Usage; durationMs: number; firstTokenMs: number; stopSequence?: string }

/**
 * How a non-streamed answer is sent: called once with the whole answer, before the request's
 * bookkeeping (slot release, token charges, metrics), so the client never waits for it.
 */
export type Deliver = (r: Collected) => void;

const TOKEN_FLUSH = 16;
/** The abort reason for a request that ends unfinished (a fixed value: no DOMException built per request). */
const DONE = Object.freeze({ done: true });

/** Runs `canonical`: streams into `out` when it is a sink, else collects the whole answer and hands it to `out`. */
export async function runInference(deps: PipelineDeps, res: HttpResponse, canonical: CanonicalRequest, out: StreamSink | Deliver): Promise<void> {
  const started = performance.now();
  const sink = typeof out === 'function' ? undefined : out;
  const principal = await checkKeyLimits(deps.limits, res, canonical.model);

  let target = await deps.router.resolve(canonical.model);
  const ac = takeController();
  let abortReason: 'client' | 'deadline' | 'stall' | undefined;
  const onClose = () => { if (!res.writableFinished) { abortReason ??= 'client'; ac.abort(); } };
  res.on('close', onClose);
  const deadline = deps.requestTimeoutMs > 0 ? setTimeout(() => { abortReason ??= 'deadline'; ac.abort(); }, deps.requestTimeoutMs) : undefined;

  let lease: Lease | undefined;
  // A granted stream opens at its first event, so errors before it (context too long, an upstream's
  // 429 or 5xx) still get their HTTP status; a queued stream opens at once to carry x-queue-position.
  // Either way a heartbeat opens it when nothing has been sent for heartbeatMs.
  let opened = false;
  const open = () => { if (sink && !opened) { opened = true; sink.open(); } };
  const hb = sink ? createHeartbeat({ intervalMs: deps.heartbeatMs, send: () => { open(); sink.heartbeat(); } }) : undefined;
  let usage: Usage = { promptTokens: 0, completionTokens: 0 };
  let finishReason: FinishReason = 'error';
  let stopSequence: string | undefined;
  let counted = 0;
  /** When a non-streamed answer arrived whole (0 otherwise). */
  let answeredAt = 0;
  let deltas = 0;
  let status = 200;
  let errorCode: string | undefined;
  const count = (n: number) => { if (n > 0) { counted += n; void deps.limits.addTokens(principal, n).catch(() => undefined); } };
  try {
    const admitted = await admitTo(deps, target, canonical.model, principal, ac.signal);
    target = admitted.target;
    const admit = admitted.admit;
    deps.observer?.admitted?.(target.pool, admit.kind === 'queued');
    if (admit.kind === 'queued') {
      res.setHeader('x-queue-position', String(admit.position));
      open();
    }
    hb?.start();
    lease = await awaitSlot(target, admit);
    if (ac.signal.aborted) throw hearthError(abortReason === 'deadline' ? 'ERR_DEADLINE' : 'ERR_INTERNAL', 'aborted');

    let text = '';
    let firstAt = 0;
    let lastAt = 0;
    if (!sink && target.engine.complete) {
      // Not streamed: the whole answer in one call (an upstream is asked non-streamed too).
      const c = await target.engine.complete(canonical, ac.signal);
      firstAt = answeredAt = performance.now(); // its time to first token is recorded after the answer is sent
      ({ text, usage, finishReason, stopSequence } = c);
    } else for await (const e of target.engine.generate(canonical, ac.signal)) {
      if (e.type === 'start') {
        hb?.stop();
        if (e.promptTokens) count(e.promptTokens);
      } else if (e.type === 'delta') {
        const now = performance.now();
        if (!firstAt) { firstAt = now; deps.observer?.firstToken?.(target.pool, now - started); }
        else deps.observer?.token?.(target.pool, now - lastAt);
        lastAt = now;
        if (++deltas % TOKEN_FLUSH === 0) count(TOKEN_FLUSH);
        if (!sink) text += e.text;
      } else {
        usage = e.usage; finishReason = e.finishReason; stopSequence = e.stopSequence;
      }
      if (sink && !ac.signal.aborted) {
        open();
        const w = sink.write(e);
        if (w) await w.catch((err) => { abortReason ??= 'stall'; ac.abort(); throw err; });
      }
    }
    if (abortReason === 'deadline') throw hearthError('ERR_DEADLINE');
    if (sink) { if (!ac.signal.aborted) { open(); sink.end(); } return; }
    (out as Deliver)({ text, finishReason, usage, durationMs: performance.now() - started, firstTokenMs: firstAt ? firstAt - started : 0, ...(stopSequence !== undefined ? { stopSequence } : {}) });
  } catch (raw) {
    const err = abortReason === 'deadline' ? hearthError('ERR_DEADLINE') : toHearthError(raw);
    status = err.status; errorCode = err.code;
    if (opened && sink) { if (abortReason !== 'client' && abortReason !== 'stall') sink.fail(err); else res.destroy(); return; }
    if (abortReason === 'client') return;
    throw err;
  } finally {
    hb?.stop();
    if (deadline) clearTimeout(deadline);
    res.off('close', onClose);
    if (finishReason === 'error' && !ac.signal.aborted) ac.abort(DONE); // leaves the queue, stops the engine; a finished request has nothing to stop
    const durationMs = performance.now() - started;
    if (lease) {
      lease.release();
      if (finishReason !== 'error') deps.admission.recordCompletion(target.pool, { durationMs: durationMs - lease.queuedMs, outputTokens: usage.completionTokens });
    }
    // Charge what is still owed: the exact usage when the engine reported it, else the deltas since the last flush.
    count(finishReason !== 'error' ? usage.promptTokens + usage.completionTokens - counted : deltas % TOKEN_FLUSH);
    if (answeredAt) deps.observer?.firstToken?.(target.pool, answeredAt - started);
    deps.observer?.finished?.(target.pool, { usage, finishReason, durationMs, status, principal, model: canonical.model, ...(errorCode ? { error: errorCode } : {}) });
    giveBackController(ac); // its listeners are gone (close, deadline, engine, queue); kept only if it never fired
  }
}
