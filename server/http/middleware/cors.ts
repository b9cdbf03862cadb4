// Owns CORS: off unless origins are configured; only a configured origin (or a configured "*")
// is ever echoed, and only preflights from configured origins are answered here.
import vary from 'vary';
import type { Handler } from '../node-http.js';

export interface CorsOptions { origins: string[] }

const ALLOW_METHODS = 'GET, POST, PUT, PATCH, DELETE, OPTIONS';
const ALLOW_HEADERS = 'authorization, content-type, x-api-key, x-request-id, anthropic-version, anthropic-beta, openai-organization, openai-project, x-stainless-arch, x-stainless-lang, x-stainless-os, x-stainless-package-version, x-stainless-retry-count, x-stainless-runtime, x-stainless-runtime-version, x-stainless-timeout';
const EXPOSE_HEADERS = 'x-request-id, retry-after, x-ratelimit-limit-requests, x-ratelimit-remaining-requests, x-ratelimit-reset-requests, x-ratelimit-limit-tokens, x-ratelimit-remaining-tokens, x-ratelimit-reset-tokens';

export function cors(opts: CorsOptions): Handler {
  const list = opts.origins.map((o) => o.trim().replace(/\/$/, '')).filter(Boolean);
  const any = list.includes('*');
  const allowed = new Set(list.map((o) => o.toLowerCase()));
  return (req, res, next) => {
    if (list.length === 0) return next();
    const origin = req.headers.origin;
    if (typeof origin !== 'string') return next();
    vary(res, 'Origin');
    if (!any && !allowed.has(origin.toLowerCase())) return next();
    res.setHeader('access-control-allow-origin', any ? '*' : origin);
    res.setHeader('access-control-expose-headers', EXPOSE_HEADERS);
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      res.setHeader('access-control-allow-methods', ALLOW_METHODS);
      res.setHeader('access-control-allow-headers', ALLOW_HEADERS);
      res.setHeader('access-control-max-age', '600');
      res.statusCode = 204;
      res.end();
      return;
    }
    next();
  };
}
