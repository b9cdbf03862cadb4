// Owns the HTTP transport to upstreams, on undici's dispatcher: keep-alive pools, the connect /
// first-byte / idle timeouts (undici's connect, headers and body timeouts), the abort signal, one
// retry of a 5xx or a broken connection before the first byte, and the mapping of upstream statuses
// to HearthErrors. Upstream bodies are never echoed into errors.
import type { IncomingHttpHeaders } from 'node:http';
import { Agent, type Dispatcher } from 'undici';
import { HearthError, hearthError } from '../errors/catalog.js';

export interface UpstreamTimeouts {
  /** TCP/TLS connect, ms. */
  connectMs: number;
  /** From the request sent to the response headers, ms. */
  firstByteMs: number;
  /** Longest gap between body chunks, ms. */
  idleMs: number;
}

export interface UpstreamCall {
  /** Upstream name, used in error messages (never its URL or key). */
  upstream: string;
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as decoded text chunks, as they arrive; throws HearthError on idle timeout or a broken connection. */
  text(): AsyncGenerator<string, void, undefined>;
  /** Reads the whole body (at most `maxBytes`) and parses it as JSON; throws ERR_UPSTREAM when it is not. */
  json(maxBytes?: number): Promise<unknown>;
}

/** Whole seconds from a Retry-After value (delta-seconds or an HTTP-date); undefined when absent or unparsable. */
export function parseRetryAfter(v: string | string[] | undefined, now = Date.now()): number | undefined {
  const s = (Array.isArray(v) ? v[0] : v)?.trim();
  if (!s) return undefined;
  if (/^\d+(\.\d+)?$/.test(s)) return Math.max(1, Math.ceil(Number(s)));
  const at = Date.parse(s);
  if (Number.isNaN(at)) return undefined;
  return Math.max(1, Math.ceil((at - now) / 1000));
}

/** An error body is read (and discarded) up to this size so the connection can be reused. */
const MAX_ERROR_DRAIN = 64 * 1024;
/** A streamed body is paused when this much is read ahead of its reader. */
const READ_AHEAD = 256 * 1024;
const DEFAULT_MAX_JSON = 8 * 1024 * 1024;

/** The HearthError for a non-2xx upstream status (after any retry). */
export function statusError(upstream: string, status: number, headers: IncomingHttpHeaders): HearthError {
  if (status === 429) return hearthError('ERR_UPSTREAM_RATE_LIMITED', `The upstream ${upstream} is rate limiting; retry later.`, { retryAfterS: parseRetryAfter(headers['retry-after']) ?? 1 });
  if (status === 404) return hearthError('ERR_MODEL_NOT_FOUND', `The upstream ${upstream} does not serve this model (HTTP 404).`);
  if (status === 400 || status === 413 || status === 422) return hearthError('ERR_VALIDATION', `The upstream ${upstream} rejected the request (HTTP ${status}).`);
  if (status === 401 || status === 403) return hearthError('ERR_UPSTREAM', `The upstream ${upstream} refused the configured key (HTTP ${status}).`);
  return hearthError('ERR_UPSTREAM', `The upstream ${upstream} failed (HTTP ${status}).`);
}

function abortedError(): HearthError { return hearthError('ERR_CLIENT_CLOSED', 'The request was aborted.'); }

const codeOf = (err: unknown) => (err as { code?: unknown } | undefined)?.code;

/** A transport failure as a HearthError naming the upstream only (`afterHead`: the body had started). */
function transportError(upstream: string, t: UpstreamTimeouts, err: unknown, afterHead: boolean): HearthError {
  if (err instanceof HearthError) return err;
  const code = codeOf(err);
  if (code === 'UND_ERR_CONNECT_TIMEOUT') return hearthError('ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream} did not accept a connection within ${t.connectMs} ms.`);
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return hearthError('ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream} did not answer within ${t.firstByteMs} ms.`);
  if (code === 'UND_ERR_BODY_TIMEOUT') return hearthError('ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream} sent nothing for ${t.idleMs} ms.`);
  if (afterHead) return hearthError('ERR_UPSTREAM', `The upstream ${upstream} connection broke mid-response.`, { cause: err });
  const safe = typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? ` (${code})` : '';
  return hearthError('ERR_UPSTREAM', `The upstream ${upstream} could not be reached${safe}.`, { cause: err });
}

/** A connection that broke before any response (e.g. a keep-alive socket the upstream had closed). */
const isBrokenBeforeHead = (err: unknown) => { const c = codeOf(err); return c === 'UND_ERR_SOCKET' || c === 'ECONNRESET' || c === 'EPIPE'; };

type Head = { ok: true; res: UpstreamResponse } | { ok: false; status: number; headers: IncomingHttpHeaders };

/**
 * One request/response on the dispatcher: resolves `head` at the response headers (a non-2xx body is
 * drained first), then hands body chunks to whichever reader the response was given (json or text).
 */
class Exchange implements Dispatcher.DispatchHandler {
  readonly head: Promise<Head>;
  private settleHead!: (h: Head) => void;
  private failHead!: (e: unknown) => void;
  private headDone = false;
  private controller?: Dispatcher.DispatchController;
  private status = 0;
  private headers: IncomingHttpHeaders = {};
  private chunks: Buffer[] = [];
  private buffered = 0;
  private ended = false;
  private error: HearthError | undefined;
  /** Set when the request is cancelled before undici handed over its controller. */
  private cancelled: HearthError | undefined;
  /** Wakes the body reader (text or json) when chunks, the end or an error arrive. */
  private wake: (() => void) | undefined;
  /** The exchange is over (ended or failed): it no longer follows the signal. */
  private settled = false;
  private readonly onAbort = () => this.abort(abortedError());

  constructor(private readonly call: UpstreamCall, private readonly timeouts: UpstreamTimeouts) {
    this.head = new Promise<Head>((resolve, reject) => { this.settleHead = resolve; this.failHead = reject; });
  }

  /** Follows the call's signal (once dispatched: the request is on the wire first). Removed in done(). */
  listen(): void {
    if (!this.settled) this.call.signal?.addEventListener('abort', this.onAbort);
  }

  private abort(err: HearthError): void {
    if (this.controller) { if (!this.controller.aborted) this.controller.abort(err); return; }
    this.cancelled = err;
    this.fail(err);
  }

  private done(): void { this.settled = true; this.call.signal?.removeEventListener('abort', this.onAbort); }

  private fail(raw: unknown): void {
    if (this.ended || this.error) return;
    this.done();
    if (!this.headDone) { this.headDone = true; this.failHead(raw); return; }
    this.error = transportError(this.call.upstream, this.timeouts, raw, true);
    this.wake?.();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.cancelled) controller.abort(this.cancelled);
    else if (this.call.signal?.aborted) controller.abort(abortedError());
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    this.status = status;
    this.headers = headers;
    if (status >= 200 && status < 300) { this.headDone = true; this.settleHead({ ok: true, res: this.response() }); }
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.buffered += chunk.length;
    if (!this.headDone) { if (this.buffered > MAX_ERROR_DRAIN) c.abort(new Error('error body too large')); return; } // discarded
    this.chunks.push(chunk);
    if (this.buffered > READ_AHEAD && this.wake === undefined) c.pause();
    this.wake?.();
  }

  onResponseEnd(): void {
    this.done();
    this.ended = true;
    if (!this.headDone) { this.headDone = true; this.settleHead({ ok: false, status: this.status, headers: this.headers }); return; }
    this.wake?.();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (!this.headDone && this.status && !(err instanceof HearthError)) {
      // The error body broke off or was too large: the status stands.
      this.done(); this.headDone = true; this.settleHead({ ok: false, status: this.status, headers: this.headers }); return;
    }
    this.fail(err);
  }

  /** Takes what is buffered (resuming a paused body). */
  private take(): Buffer[] {
    const out = this.chunks;
    this.chunks = []; this.buffered = 0;
    if (this.controller?.paused) this.controller.resume();
    return out;
  }

  private response(): UpstreamResponse {
    let consumed = false;
    const claim = () => { if (consumed) throw new Error('upstream body already consumed'); consumed = true; };
    return {
      status: this.status,
      headers: this.headers,
      text: () => { claim(); return this.readText(); },
      json: (maxBytes = DEFAULT_MAX_JSON) => { try { claim(); } catch (e) { return Promise.reject(e); } return this.readJson(maxBytes); },
    };
  }

  private async *readText(): AsyncGenerator<string, void, undefined> {
    const decoder = new TextDecoder();
    try {
      for (;;) {
        if (this.chunks.length) {
          for (const c of this.take()) { const s = decoder.decode(c, { stream: true }); if (s) yield s; }
          continue;
        }
        if (this.error) throw this.error;
        if (this.ended) break;
        await new Promise<void>((r) => { this.wake = r; });
        this.wake = undefined;
      }
      const rest = decoder.decode();
      if (rest) yield rest;
    } finally {
      if (!this.ended && !this.error) this.abort(abortedError()); // the reader stopped early
    }
  }

  private readJson(maxBytes: number): Promise<unknown> {
    const { upstream } = this.call;
    return new Promise<unknown>((resolve, reject) => {
      let size = 0;
      const parts: Buffer[] = [];
      const check = () => {
        for (const c of this.take()) { parts.push(c); size += c.length; }
        if (size > maxBytes) { this.wake = undefined; this.abort(abortedError()); reject(hearthError('ERR_UPSTREAM', `The upstream ${upstream} sent a response that is too large.`)); return; }
        if (this.error) { this.wake = undefined; reject(this.error); return; }
        if (!this.ended) { this.wake = check; return; }
        this.wake = undefined;
        try { resolve(JSON.parse((parts.length === 1 ? parts[0]! : Buffer.concat(parts)).toString('utf8'))); } catch { reject(hearthError('ERR_UPSTREAM', `The upstream ${upstream} sent a response that is not valid JSON.`)); }
      };
      check();
    });
  }
}

/** A URL's origin and path (with query), computed once per URL object (adapters keep theirs). */
const parts = new WeakMap<URL, { origin: string; path: string }>();
function urlParts(url: URL): { origin: string; path: string } {
  let p = parts.get(url);
  if (!p) { p = { origin: url.origin, path: url.pathname + url.search }; parts.set(url, p); }
  return p;
}

/** One keep-alive transport shared by every upstream of a server. */
export class UpstreamHttpClient {
  private readonly agent: Agent;

  constructor(readonly timeouts: UpstreamTimeouts) {
    this.agent = new Agent({ connect: { timeout: timeouts.connectMs }, headersTimeout: timeouts.firstByteMs, bodyTimeout: timeouts.idleMs });
  }

  /**
   * Sends `call` and resolves with a 2xx response (headers received). A 5xx, or a connection that broke
   * before any answer, is retried once when the signal has not fired; 429 becomes
   * ERR_UPSTREAM_RATE_LIMITED with its Retry-After; other statuses, timeouts and transport failures
   * become HearthErrors naming the upstream only.
   */
  async send(call: UpstreamCall): Promise<UpstreamResponse> {
    for (let attempt = 0; ; attempt++) {
      if (call.signal?.aborted) throw abortedError();
      const ex = new Exchange(call, this.timeouts);
      const { origin, path } = urlParts(call.url);
      this.agent.dispatch({ origin, path, method: call.method, headers: call.headers, body: call.body ?? null }, ex);
      ex.listen();
      let head: Head;
      try {
        head = await ex.head;
      } catch (err) {
        if (attempt === 0 && isBrokenBeforeHead(err) && !call.signal?.aborted) continue;
        throw transportError(call.upstream, this.timeouts, err, false);
      }
      if (head.ok) return head.res;
      if (head.status >= 500 && attempt === 0 && !call.signal?.aborted) continue;
      throw statusError(call.upstream, head.status, head.headers);
    }
  }

  /** Closes the keep-alive connections (in-flight requests are cut). */
  close(): void {
    this.agent.destroy().catch(() => undefined);
  }
}
