// Owns logging: the pino logger factory (stderr and/or `<data-dir>/logs/hearth.log`, never stdout,
// which carries only the `hearth listening on ...` line) with redaction of every token, key and
// cookie, and the per-request access log middleware.
import fs from 'node:fs';
import path from 'node:path';
import pino, { type Logger, type DestinationStream } from 'pino';
import type { Handler } from '../http/node-http.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggerOptions {
  level?: LogLevel;
  /** When set, also log to `<dataDir>/logs/hearth.log`. */
  dataDir?: string;
  /** Log to stderr. Defaults to true. */
  stderr?: boolean;
  /** Extra destination (tests). */
  destination?: DestinationStream;
}

/** Log lines are written in blocks of this many bytes... */
const LOG_BLOCK = 8192;
/** ...or after at most this long. */
const LOG_FLUSH_MS = 250;

const SECRET_FIELD = /^(authorization|proxy-authorization|x-api-key|cookie|set-cookie|api[-_]?key|apikey|token|admin[-_]?token|key|secret|password)$/i;
/** Hearth keys and admin tokens, and bearer credentials, wherever they appear in a string. */
const SECRET_TEXT = /(hth(?:adm)?_[A-Za-z0-9_-]{8,})|((?:bearer|basic)\s+)[^\s"',;]+/gi;
const REDACTED = '[redacted]';

/** Replaces key-like substrings in a string. */
export function scrubText(s: string): string {
  return s.replace(SECRET_TEXT, (_m, _key: string | undefined, scheme: string | undefined) => (scheme ? `${scheme}${REDACTED}` : REDACTED));
}

/** A deep copy of `v` with secret fields and key-like strings redacted (bounded depth, cycle-safe). */
export function redactDeep(v: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof v === 'string') return scrubText(v);
  if (v === null || typeof v !== 'object') return v;
  if (depth > 8 || seen.has(v)) return '[…]';
  seen.add(v);
  if (v instanceof Error) {
    return { type: v.name, message: scrubText(v.message), ...(v.stack ? { stack: scrubText(v.stack) } : {}), ...(('code' in v) ? { code: (v as { code: unknown }).code } : {}) };
  }
  if (Array.isArray(v)) return v.map((x) => redactDeep(x, depth + 1, seen));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    out[k] = SECRET_FIELD.test(k) && x !== undefined && x !== null && x !== '' && typeof x !== 'boolean' ? REDACTED : redactDeep(x, depth + 1, seen);
  }
  return out;
}

/** Creates the server logger. Never writes to stdout. */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const streams: pino.StreamEntry[] = [];
  // Asynchronous and batched: lines are written in blocks of LOG_BLOCK bytes, and at least every
  // LOG_FLUSH_MS (a write per line was two syscalls and two thread-pool hand-offs per request).
  // Lines are handed over as Buffers: in its string mode sonic-boom measures its whole pending block
  // again for every line (a copy and a UTF-8 scan of up to LOG_BLOCK bytes per line).
  const booms: Array<{ flush(): void }> = [];
  const boom = (o: Parameters<typeof pino.destination>[0] & object) => {
    const d = pino.destination({ ...o, sync: false, minLength: LOG_BLOCK, contentMode: 'buffer' });
    booms.push(d);
    return { write: (line: string) => d.write(Buffer.from(line) as unknown as string), flushSync: () => d.flushSync() };
  };
  if (opts.stderr ?? true) streams.push({ stream: boom({ dest: 2 }) });
  if (opts.dataDir) {
    const dir = path.join(opts.dataDir, 'logs');
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    streams.push({ stream: boom({ dest: path.join(dir, 'hearth.log'), mkdir: true, mode: 0o600 }) });
  }
  if (opts.destination) streams.push({ stream: opts.destination });
  const level = opts.level ?? 'info';
  for (const s of streams) s.level = level === 'silent' ? 'fatal' : level;
  const dest = streams.length === 1 ? streams[0]!.stream : pino.multistream(streams);
  const logger = pino({
    level,
    base: { pid: process.pid },
    // A deep scrub of everything logged: secret field names at any depth, key-like text anywhere.
    formatters: { log: (obj) => redactDeep(obj) as Record<string, unknown> },
    serializers: { err: (e: unknown) => redactDeep(e) },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? scrubText(a) : a)) as Parameters<typeof method>);
      },
    },
  }, dest);
  if (booms.length) setInterval(() => { for (const b of booms) { try { b.flush(); } catch { /* still opening */ } } }, LOG_FLUSH_MS).unref();
  flushers.set(logger, () => {
    try { (dest as { flushSync?: () => void }).flushSync?.(); } catch { /* a destination still opening has nothing buffered */ }
  });
  return logger;
}

const flushers = new WeakMap<Logger, () => void>();

/** Writes out whatever the asynchronous destinations still buffer (call before exiting). */
export function flushLogs(logger: Logger): void {
  flushers.get(logger)?.();
}

/** Access log: method, path (no query string), status, latency, request id, key name; never the key. */
export function requestLogger(logger: Logger): Handler {
  // Access lines have fixed, non-secret field names, and their strings are scrubbed here, so they skip
  // the deep scrub (a copy of every entry, on every request's path).
  const access = logger.child({}, { formatters: { log: (o: object) => o } });
  const text = (v: unknown) => (typeof v === 'string' ? scrubText(v) : v);
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    // 'close' comes after the answer is complete, or when the connection broke before that.
    res.once('close', finish);
    function finish(): void {
      const p = res.locals.principal as { kind: string; name?: string } | undefined;
      const entry: Record<string, unknown> = {
        reqId: text(res.locals.requestId ?? res.getHeader('x-request-id')),
        method: text(req.method),
        path: text((req.originalUrl ?? req.url ?? '/').split('?')[0]),
        status: res.statusCode,
        latencyMs: Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100,
        keyName: p ? (p.kind === 'admin' ? 'admin' : text(p.name)) : undefined,
      };
      if (!res.writableFinished) entry.aborted = true;
      access.info(entry, 'request');
    }
    next();
  };
}
