// Owns the fast lane: the hot JSON POST routes (the route table marks them) served on node's own
// request and response, without Express's router, body parser or prototypes, through the same global
// middleware, handlers and error renderer as the app (they are written against server/http/node-http.ts).
// A request is taken only when its shape is plain (exact path, no query, a JSON body of known small
// length, no content encoding); anything else goes to the Express app unchanged, body untouched.
// Measured in bench/proxy-overhead.ts: Express's per-request machinery costs more than a whole proxy hop.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hearthError } from '../errors/catalog.js';
import type { Handler, HttpRequest, HttpResponse, Next } from './node-http.js';

/** Bodies larger than this (or of unknown length) take the Express path. Defaults to 1 MiB. */
const MAX_LANE_BODY = 1024 * 1024;

export type ErrorRenderer = (err: unknown, req: HttpRequest, res: HttpResponse) => void;

export interface FastLane {
  /** Serves POST `path` in the lane with `handlers` (after the global chain and the JSON body). */
  post(path: string, ...handlers: Handler[]): void;
  /** Takes the request when the lane serves it; returns false (nothing read or written) otherwise. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
}

/** Whether the content type is JSON in UTF-8 (what express.json() would accept without decoding). */
function plainJson(ct: string | undefined): boolean {
  if (ct === 'application/json') return true;
  if (!ct) return false;
  const [type, ...params] = ct.toLowerCase().split(';').map((p) => p.trim());
  if (type !== 'application/json') return false;
  return params.every((p) => p === '' || p === 'charset=utf-8' || p === 'charset="utf-8"');
}

/** Reads the (bounded, known-length) body and parses it like express.json() in strict mode. */
function readJson(req: IncomingMessage, done: (err: unknown, body?: unknown) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  // A client gone mid-body is not a server fault (express.json() says the same: request aborted).
  req.once('error', () => done(hearthError('ERR_CLIENT_CLOSED')));
  req.once('end', () => {
    const text = (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8');
    const first = /^[\x20\x09\x0a\x0d]*(.)/.exec(text)?.[1];
    if (first === undefined) { done(undefined, {}); return; }
    if (first !== '{' && first !== '[') { done(hearthError('ERR_BAD_JSON')); return; }
    let body: unknown;
    try { body = JSON.parse(text); } catch { done(hearthError('ERR_BAD_JSON')); return; }
    done(undefined, body);
  });
}

/**
 * The lane: `chain` is the app's global middleware (host check, request id, logging, CORS, draining
 * and metrics), `renderError` its error handler.
 */
export function createFastLane(chain: Handler[], renderError: ErrorRenderer): FastLane {
  const routes = new Map<string, Handler[]>();

  function run(req: HttpRequest, res: HttpResponse, handlers: Handler[]): void {
    let i = 0;
    const fail = (err: unknown) => renderError(err, req, res);
    const next: Next = (err?: unknown) => {
      if (err !== undefined && err !== null) { fail(err); return; }
      const fn = handlers[i++];
      if (!fn) return;
      try {
        const r = fn(req, res, next) as unknown;
        if (r instanceof Promise) r.then(undefined, fail);
      } catch (e) { fail(e); }
    };
    next();
  }

  return {
    post(path, ...handlers) {
      const body: Handler = (req, _res, next) => {
        readJson(req, (err, parsed) => { if (err) { next(err); return; } req.body = parsed; next(); });
      };
      routes.set(path, [...chain, body, ...handlers]);
    },
    handle(rawReq, rawRes) {
      if (rawReq.method !== 'POST') return false;
      const handlers = routes.get(rawReq.url ?? '');
      if (!handlers) return false;
      const h = rawReq.headers;
      const length = Number(h['content-length']);
      if (!(length >= 0 && length <= MAX_LANE_BODY) || h['transfer-encoding'] !== undefined) return false;
      if (h['content-encoding'] !== undefined && h['content-encoding'] !== 'identity') return false;
      if (!plainJson(h['content-type'])) return false;
      const req = rawReq as HttpRequest;
      const res = rawRes as HttpResponse;
      res.locals = { route: rawReq.url };
      run(req, res, handlers);
      return true;
    },
  };
}
