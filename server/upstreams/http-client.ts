// Owns the HTTP transport to upstreams: keep-alive agents, the connect / first-byte / idle timeouts,
// the abort signal, one retry of a 5xx (or a stale keep-alive socket) before the first byte, and the
// mapping of upstream statuses to HearthErrors. Upstream bodies are never echoed into errors.
import http from 'node:http';
import https from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { HearthError, hearthError } from '../errors/catalog.js';

export interface UpstreamTimeouts {
  /** TCP/TLS connect, ms. */
  connectMs: number;
  /** From connected (or a reused socket) to response headers, ms. */
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

const MAX_ERROR_DRAIN = 64 * 1024;

/** The HearthError for a non-2xx upstream status (after any retry). */
export function statusError(upstream: string, status: number, headers: IncomingHttpHeaders): HearthError {
  if (status === 429) return hearthError('ERR_UPSTREAM_RATE_LIMITED', `The upstream ${upstream} is rate limiting; retry later.`, { retryAfterS: parseRetryAfter(headers['retry-after']) ?? 1 });
  if (status === 404) return hearthError('ERR_MODEL_NOT_FOUND', `The upstream ${upstream} does not serve this model (HTTP 404).`);
  if (status === 400 || status === 413 || status === 422) return hearthError('ERR_VALIDATION', `The upstream ${upstream} rejected the request (HTTP ${status}).`);
  if (status === 401 || status === 403) return hearthError('ERR_UPSTREAM', `The upstream ${upstream} refused the configured key (HTTP ${status}).`);
  return hearthError('ERR_UPSTREAM', `The upstream ${upstream} failed (HTTP ${status}).`);
}

function abortedError(): HearthError { return hearthError('ERR_CLIENT_CLOSED', 'The request was aborted.'); }

function transportError(upstream: string, err: unknown): HearthError {
  if (err instanceof HearthError) return err;
  const code = (err as { code?: unknown })?.code;
  const safe = typeof code === 'string' && /^[A-Z_]{2,40}$/.test(code) ? ` (${code})` : '';
  return hearthError('ERR_UPSTREAM', `The upstream ${upstream} could not be reached${safe}.`, { cause: err });
}

/** One keep-alive transport shared by every upstream of a server. */
export class UpstreamHttpClient {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 1024, scheduling: 'lifo' });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 1024, scheduling: 'lifo' });

  constructor(readonly timeouts: UpstreamTimeouts) {}

  /**
   * Sends `call` and resolves with a 2xx response (headers received). A 5xx is retried once when the
   * signal has not fired; 429 becomes ERR_UPSTREAM_RATE_LIMITED with its Retry-After; other statuses,
   * timeouts and transport failures become HearthErrors naming the upstream only.
   */
  async send(call: UpstreamCall): Promise<UpstreamResponse> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.once(call, attempt === 0);
      if (res.statusCode! >= 200 && res.statusCode! < 300) return this.wrap(call, res);
      const status = res.statusCode!;
      await drain(res, this.timeouts.idleMs);
      if (status >= 500 && attempt === 0 && !call.signal?.aborted) continue;
      throw statusError(call.upstream, status, res.headers);
    }
  }

  /** One request; resolves at the response headers. Retries once on a stale reused keep-alive socket. */
  private once(call: UpstreamCall, mayRetryStale: boolean): Promise<IncomingMessage> {
    const { upstream, url, signal } = call;
    const { connectMs, firstByteMs } = this.timeouts;
    return new Promise<IncomingMessage>((resolve, reject) => {
      if (signal?.aborted) { reject(abortedError()); return; }
      const isHttps = url.protocol === 'https:';
      const headers: Record<string, string> = { ...call.headers };
      if (call.body !== undefined) headers['content-length'] = String(Buffer.byteLength(call.body));
      const req = (isHttps ? https : http).request(url, { method: call.method, headers, agent: isHttps ? this.httpsAgent : this.httpAgent });
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const fail = (err: HearthError) => { if (!settled) { settled = true; cleanup(); reject(err); } req.destroy(); };
      const onAbort = () => fail(abortedError());
      const cleanup = () => { if (timer) clearTimeout(timer); signal?.removeEventListener('abort', onAbort); };
      const startFirstByte = () => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => fail(hearthError('ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream} did not answer within ${firstByteMs} ms.`)), firstByteMs);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.once('socket', (sock) => {
        if (sock.connecting) {
          timer = setTimeout(() => fail(hearthError('ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream} did not accept a connection within ${connectMs} ms.`)), connectMs);
          sock.once(isHttps ? 'secureConnect' : 'connect', startFirstByte);
        } else startFirstByte();
      });
      req.once('response', (res) => {
        if (settled) { res.destroy(); return; }
        settled = true; cleanup();
        resolve(res);
      });
      req.once('error', (err) => {
        if (settled) return;
        if (mayRetryStale && req.reusedSocket && (err as { code?: string }).code === 'ECONNRESET' && !signal?.aborted) {
          settled = true; cleanup();
          this.once(call, false).then(resolve, reject);
          return;
        }
        fail(transportError(upstream, err));
      });
      req.end(call.body);
    });
  }

  private wrap(call: UpstreamCall, res: IncomingMessage): UpstreamResponse {
    const { upstream, signal } = call;
    const idleMs = this.timeouts.idleMs;
    let consumed = false;
    const text = async function* (): AsyncGenerator<string, void, undefined> {
      if (consumed) throw new Error('upstream body already consumed');
      consumed = true;
      let idle = false;
      const timer = setTimeout(() => { idle = true; res.destroy(); }, idleMs);
      const onAbort = () => res.destroy();
      if (signal?.aborted) res.destroy(); else signal?.addEventListener('abort', onAbort, { once: true });
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res as AsyncIterable<Buffer>) {
          timer.refresh();
          const s = decoder.decode(chunk, { stream: true });
          if (s) yield s;
        }
        const rest = decoder.decode();
        if (rest) yield rest;
        if (idle) throw hearthError('ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream} sent nothing for ${idleMs} ms.`);
      } catch (err) {
        if (idle) throw hearthError('ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream} sent nothing for ${idleMs} ms.`);
        if (signal?.aborted) throw abortedError();
        throw hearthError('ERR_UPSTREAM', `The upstream ${upstream} connection broke mid-response.`, { cause: err });
      } finally {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (!res.complete) res.destroy();
      }
    };
    return {
      status: res.statusCode!,
      headers: res.headers,
      text,
      /** The whole body as JSON; collected with plain 'data'/'end' events (no async iterator per chunk). */
      json(maxBytes = 8 * 1024 * 1024) {
        if (consumed) return Promise.reject(new Error('upstream body already consumed'));
        consumed = true;
        return new Promise<unknown>((resolve, reject) => {
          const chunks: Buffer[] = [];
          let size = 0;
          let idle = false;
          const timer = setTimeout(() => { idle = true; res.destroy(); }, idleMs);
          const onAbort = () => res.destroy();
          const finish = (err?: HearthError, value?: unknown) => {
            clearTimeout(timer);
            signal?.removeEventListener('abort', onAbort);
            if (err) { if (!res.complete) res.destroy(); reject(err); } else resolve(value);
          };
          if (signal?.aborted) { finish(abortedError()); return; }
          signal?.addEventListener('abort', onAbort, { once: true });
          res.on('data', (c: Buffer) => {
            timer.refresh();
            size += c.length;
            if (size > maxBytes) { finish(hearthError('ERR_UPSTREAM', `The upstream ${upstream} sent a response that is too large.`)); return; }
            chunks.push(c);
          });
          res.once('end', () => {
            try { finish(undefined, JSON.parse(Buffer.concat(chunks).toString('utf8'))); } catch { finish(hearthError('ERR_UPSTREAM', `The upstream ${upstream} sent a response that is not valid JSON.`)); }
          });
          res.once('close', () => {
            if (res.complete) return;
            if (idle) finish(hearthError('ERR_UPSTREAM_TIMEOUT', `The upstream ${upstream} sent nothing for ${idleMs} ms.`));
            else if (signal?.aborted) finish(abortedError());
            else finish(hearthError('ERR_UPSTREAM', `The upstream ${upstream} connection broke mid-response.`));
          });
        });
      },
    };
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** Reads and discards a (bounded) error body so the socket can be reused; never surfaces it. */
async function drain(res: IncomingMessage, idleMs: number): Promise<void> {
  let n = 0;
  const timer = setTimeout(() => res.destroy(), idleMs);
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) { n += chunk.length; if (n > MAX_ERROR_DRAIN) { res.destroy(); return; } }
  } catch { /* ignored: the body is discarded */ } finally { clearTimeout(timer); }
}
