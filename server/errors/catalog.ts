// Owns the error catalog: every ERR_* code with its HTTP status and message. Routes throw
// HearthError and never hand-write a status; the dialect formatters render it.

/** Each error: HTTP status, OpenAI-style type, and the default message. */
export const ERRORS = {
  ERR_BAD_JSON: { status: 400, type: 'invalid_request_error', message: 'The request body is not valid JSON.' },
  ERR_VALIDATION: { status: 400, type: 'invalid_request_error', message: 'The request is invalid.' },
  ERR_FORBIDDEN_FIELD: { status: 400, type: 'invalid_request_error', message: 'This field is not allowed: it could change where the request goes or which key it carries.' },
  ERR_CONTEXT_LENGTH: { status: 400, type: 'invalid_request_error', message: 'The prompt is longer than the model context.' },
  ERR_BODY_TOO_LARGE: { status: 413, type: 'invalid_request_error', message: 'The request body is too large.' },
  ERR_UNAUTHORIZED: { status: 401, type: 'authentication_error', message: 'A valid API key is required (Authorization: Bearer <key> or x-api-key).' },
  ERR_FORBIDDEN: { status: 403, type: 'permission_error', message: 'This token may not use this endpoint.' },
  ERR_HOST_NOT_ALLOWED: { status: 403, type: 'permission_error', message: 'The Host header is not allowed.' },
  ERR_ADMIN_REMOTE: { status: 403, type: 'permission_error', message: 'Admin routes answer only from loopback.' },
  ERR_MODEL_NOT_ALLOWED: { status: 403, type: 'permission_error', message: 'This key may not use this model.' },
  ERR_NOT_FOUND: { status: 404, type: 'not_found_error', message: 'Not found.' },
  ERR_MODEL_NOT_FOUND: { status: 404, type: 'not_found_error', message: 'The model does not exist.' },
  ERR_MODEL_NAME: { status: 400, type: 'invalid_request_error', message: 'The model name is not allowed.' },
  ERR_MODEL_INVALID: { status: 422, type: 'invalid_request_error', message: 'The model file is not a valid GGUF file.' },
  ERR_MODEL_IN_USE: { status: 409, type: 'invalid_request_error', message: 'The model is in use.' },
  ERR_MODEL_LOAD_FAILED: { status: 422, type: 'invalid_request_error', message: 'The model failed to load.' },
  ERR_NOT_SUPPORTED: { status: 400, type: 'invalid_request_error', message: 'This is not supported.' },
  ERR_CONFLICT: { status: 409, type: 'invalid_request_error', message: 'Conflict.' },
  ERR_RATE_LIMITED: { status: 429, type: 'rate_limit_error', message: 'Rate limit exceeded for this key.' },
  ERR_OVERLOADED: { status: 429, type: 'rate_limit_error', message: 'The server is at capacity; retry later.' },
  ERR_UPSTREAM_RATE_LIMITED: { status: 429, type: 'rate_limit_error', message: 'The upstream is rate limiting; retry later.' },
  ERR_DEADLINE: { status: 504, type: 'timeout_error', message: 'The request passed its deadline.' },
  ERR_UPSTREAM: { status: 502, type: 'api_error', message: 'The upstream failed.' },
  ERR_UPSTREAM_TIMEOUT: { status: 504, type: 'timeout_error', message: 'The upstream timed out.' },
  ERR_ENGINE_CRASHED: { status: 503, type: 'api_error', message: 'The engine worker stopped; it is restarting.' },
  ERR_NOT_READY: { status: 503, type: 'api_error', message: 'The server is not ready.' },
  ERR_SHUTTING_DOWN: { status: 503, type: 'api_error', message: 'The server is shutting down.' },
  ERR_INTERNAL: { status: 500, type: 'api_error', message: 'Internal error.' },
  ERR_PULL_FAILED: { status: 502, type: 'api_error', message: 'The model download failed.' },
  ERR_CHECKSUM: { status: 422, type: 'invalid_request_error', message: 'The downloaded file does not match the expected sha256.' },
  ERR_DISK_FULL: { status: 507, type: 'api_error', message: 'There is not enough disk space for the model.' },
  ERR_PULL_CANCELLED: { status: 409, type: 'invalid_request_error', message: 'The model download was cancelled.' },
  ERR_CLIENT_CLOSED: { status: 499, type: 'api_error', message: 'The client closed the request.' },
  ERR_CLIENT_STALLED: { status: 408, type: 'timeout_error', message: 'The client stopped reading the stream.' },
  ERR_BAD_REQUEST: { status: 400, type: 'invalid_request_error', message: 'The HTTP request is malformed.' },
  ERR_HEADERS_TOO_LARGE: { status: 431, type: 'invalid_request_error', message: 'The request headers are too large.' },
  ERR_REQUEST_TIMEOUT: { status: 408, type: 'timeout_error', message: 'The request was not received in time.' },
} as const satisfies Record<string, { status: number; type: string; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** The one error type routes throw. `headers` are set on the response (Retry-After, ...). */
export class HearthError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: string;
  readonly headers: Record<string, string>;
  /** Optional machine-readable detail safe to return (never secrets). */
  readonly detail: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, opts: { headers?: Record<string, string>; detail?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message ?? ERRORS[code].message, { cause: opts.cause });
    this.name = 'HearthError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.type = ERRORS[code].type;
    this.headers = opts.headers ?? {};
    this.detail = opts.detail;
  }
}

/** Builds a HearthError. `retryAfterS` sets Retry-After (whole seconds, at least 1). */
export function hearthError(code: ErrorCode, message?: string, opts: { retryAfterS?: number; headers?: Record<string, string>; detail?: Record<string, unknown>; cause?: unknown } = {}): HearthError {
  const headers = { ...(opts.headers ?? {}) };
  if (opts.retryAfterS !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(opts.retryAfterS)));
  return new HearthError(code, message, { headers, detail: opts.detail, cause: opts.cause });
}

/** Any thrown value as a HearthError (unknown errors become ERR_INTERNAL with a generic message). */
export function toHearthError(err: unknown): HearthError {
  if (err instanceof HearthError) return err;
  if (err && typeof err === 'object' && 'type' in err && (err as { type?: string }).type === 'entity.parse.failed') return hearthError('ERR_BAD_JSON');
  if (err && typeof err === 'object' && 'type' in err && (err as { type?: string }).type === 'entity.too.large') return hearthError('ERR_BODY_TOO_LARGE');
  return hearthError('ERR_INTERNAL', undefined, { cause: err });
}
