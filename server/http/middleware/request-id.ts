// Owns the request id: a valid incoming X-Request-Id (1-128 of [A-Za-z0-9._-]) is kept, anything
// else is replaced by a generated one; it is echoed in the response and stored in res.locals.requestId.
import { randomUUID } from 'node:crypto';
import type { Handler } from '../node-http.js';

const VALID = /^[A-Za-z0-9._-]{1,128}$/;

/** Whether a client-supplied request id is acceptable. */
export function isValidRequestId(v: unknown): v is string { return typeof v === 'string' && VALID.test(v); }

export function requestId(): Handler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = isValidRequestId(given) ? given : randomUUID();
    res.locals.requestId = id;
    res.setHeader('x-request-id', id);
    next();
  };
}
