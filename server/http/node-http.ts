// Owns the request/response types every handler and middleware on the hot routes sees: node's own
// http objects with the parsed body and per-request locals, never Express's prototypes (giving a
// request Express's prototypes alone halved proxy throughput: bench/proxy-overhead.ts), and
// writing a JSON body on them.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** A request as handlers see it: node's, with the JSON body once parsed. */
export type HttpRequest = IncomingMessage & { body?: unknown; originalUrl?: string };
/** A response as handlers see it: node's, with per-request locals (principal, request id, route). */
export type HttpResponse = ServerResponse & { locals: Record<string, any> };
export type Next = (err?: unknown) => void;
/** A middleware or route handler that runs both in the Express app and in the fast lane. */
export type Handler = (req: HttpRequest, res: HttpResponse, next: Next) => unknown;

/** Sends `body` as JSON with `status` (what Express's res.status().json() sends, without Express). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** Sends `text` with a content type. */
export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.statusCode = status;
  res.setHeader('content-type', contentType);
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/** The path of a request, without its query string. */
export function pathOf(req: IncomingMessage): string {
  const u = req.url ?? '/';
  const q = u.indexOf('?');
  return q < 0 ? u : u.slice(0, q);
}
