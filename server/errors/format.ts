// Owns how a HearthError is rendered in each caller's dialect.
import type { HearthError } from './catalog.js';

export type Dialect = 'openai' | 'anthropic' | 'ollama' | 'health';

const ANTHROPIC_TYPES: Record<number, string> = {
  400: 'invalid_request_error', 401: 'authentication_error', 403: 'permission_error', 404: 'not_found_error',
  409: 'invalid_request_error', 413: 'request_too_large', 422: 'invalid_request_error', 429: 'rate_limit_error',
  500: 'api_error', 502: 'api_error', 503: 'overloaded_error', 504: 'api_error',
};

/** Codes OpenAI's own API uses, so clients that branch on them keep working; others are derived from ERR_*. */
const OPENAI_CODES: Partial<Record<string, string>> = {
  ERR_CONTEXT_LENGTH: 'context_length_exceeded', ERR_UNAUTHORIZED: 'invalid_api_key', ERR_MODEL_NOT_FOUND: 'model_not_found',
  ERR_RATE_LIMITED: 'rate_limit_exceeded', ERR_OVERLOADED: 'rate_limit_exceeded', ERR_UPSTREAM_RATE_LIMITED: 'rate_limit_exceeded',
};

/** The JSON error body for `dialect`. Never includes a cause or stack. */
export function errorBody(dialect: Dialect, err: HearthError): unknown {
  switch (dialect) {
    case 'anthropic':
      return { type: 'error', error: { type: ANTHROPIC_TYPES[err.status] ?? 'api_error', message: err.message } };
    case 'ollama':
      return { error: err.message };
    case 'health':
      return { status: 'error', reason: err.message };
    default:
      return { error: { message: err.message, type: err.type, code: OPENAI_CODES[err.code] ?? err.code.slice(4).toLowerCase(), param: null, ...(err.detail ? { detail: err.detail } : {}) } };
  }
}

/**
 * The dialect a request speaks, for errors raised before a route runs (host check, auth, limits).
 * `/v1/models` is shared by OpenAI and Anthropic clients; the latter send `anthropic-version`.
 */
export function dialectForPath(path: string, anthropicVersion?: string): Dialect {
  if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return 'anthropic';
  if (anthropicVersion && (path === '/v1/models' || path.startsWith('/v1/models/'))) return 'anthropic';
  if (path.startsWith('/api/')) return 'ollama';
  if (path === '/healthz' || path === '/readyz') return 'health';
  return 'openai';
}
