// Owns the answer to requests Node's HTTP parser rejects before Express sees them (a CR/LF inside a
// header value, a malformed request line, oversized headers, a header timeout): a small OpenAI-style
// JSON error and a closed connection, instead of Node's bare close. Never echoes or logs the raw
// request (it may carry a token).
import type { Duplex } from 'node:stream';
import { STATUS_CODES } from 'node:http';
import { hearthError, type ErrorCode } from '../errors/catalog.js';
import { errorBody } from '../errors/format.js';

/** The catalog code for a parser error code. */
function codeFor(err: { code?: unknown }): ErrorCode {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'ERR_HEADERS_TOO_LARGE';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'ERR_REQUEST_TIMEOUT';
  return 'ERR_BAD_REQUEST';
}

/** The raw HTTP/1.1 response written for a rejected request. */
export function clientErrorResponse(err: { code?: unknown }): string {
  const e = hearthError(codeFor(err));
  const body = JSON.stringify(errorBody('openai', e));
  return `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? 'Bad Request'}\r\n`
    + 'Content-Type: application/json; charset=utf-8\r\n'
    + `Content-Length: ${Buffer.byteLength(body)}\r\n`
    + 'Connection: close\r\n\r\n'
    + body;
}

/** `server.on('clientError', handleClientError)`. */
export function handleClientError(err: Error & { code?: unknown }, socket: Duplex): void {
  // Like Node's default: only answer when nothing of an in-flight response was written yet.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (err.code !== 'ECONNRESET' && socket.writable && !inFlight?.headersSent) {
    socket.end(clientErrorResponse(err));
    socket.once('finish', () => socket.destroy());
    return;
  }
  socket.destroy();
}
