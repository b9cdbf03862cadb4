// Owns request authentication: reads a token from `Authorization: Bearer <t>` or `x-api-key: <t>`
// (never the query string), resolves it to a Principal (admin token or API key) in
// res.locals.principal, and refuses anything else with 401 + WWW-Authenticate; requireAdmin
// turns API keys away from admin routes with 403.
import { timingSafeEqual } from 'node:crypto';
import type { Handler } from '../node-http.js';
import { hearthError } from '../../errors/catalog.js';
import { tokenDigest, type KeyStore } from '../../auth/key-store.js';
import type { Principal } from '../../auth/principal.js';

/** Tokens longer than this are refused without hashing. */
const MAX_TOKEN = 512;
const TOKEN_RE = /^[\x21-\x7e]+$/;

export const WWW_AUTHENTICATE = 'Bearer realm="hearth"';

const unauthorized = () => hearthError('ERR_UNAUTHORIZED', undefined, { headers: { 'www-authenticate': WWW_AUTHENTICATE } });

/** The candidate tokens a request carries (Bearer first, then x-api-key); malformed values are dropped. */
export function tokensOf(headers: Record<string, string | string[] | undefined>): string[] {
  const out: string[] = [];
  const auth = headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer +(\S+) *$/i.exec(auth);
    if (m) out.push(m[1]!);
  }
  const xkey = headers['x-api-key'];
  if (typeof xkey === 'string') out.push(xkey.trim());
  return out.filter((t) => t.length > 0 && t.length <= MAX_TOKEN && TOKEN_RE.test(t));
}

/** The admin token's digest, computed once per token value (it may be rotated). */
let adminDigest: { token: string; digest: Buffer } | undefined;
function isAdmin(digest: Buffer, admin: string): boolean {
  if (adminDigest?.token !== admin) adminDigest = { token: admin, digest: tokenDigest(admin) };
  return timingSafeEqual(digest, adminDigest.digest);
}

export interface AuthOptions {
  /** The admin token, or a function returning it (it may be rotated). */
  adminToken: string | (() => string);
  keyStore: Pick<KeyStore, 'verify' | 'touch'>;
}

/** Resolves the token to a Principal, or undefined. */
export function resolvePrincipal(tokens: string[], opts: AuthOptions): Principal | undefined {
  const admin = typeof opts.adminToken === 'function' ? opts.adminToken() : opts.adminToken;
  for (const t of tokens) {
    const digest = tokenDigest(t); // one hash serves the admin comparison and the key lookup
    if (admin && isAdmin(digest, admin)) return { kind: 'admin' };
    const rec = opts.keyStore.verify(t, digest);
    if (rec) {
      opts.keyStore.touch(rec.id);
      const limits = { ...rec.limits, ...(rec.limits.models ? { models: [...rec.limits.models] } : {}) };
      return { kind: 'key', id: rec.id, name: rec.name, limits, allowSpill: rec.allowSpill };
    }
  }
  return undefined;
}

/** Requires a valid admin token or API key; sets res.locals.principal. */
export function authenticate(opts: AuthOptions): Handler {
  return (req, res, next) => {
    const principal = resolvePrincipal(tokensOf(req.headers), opts);
    if (!principal) return next(unauthorized());
    res.locals.principal = principal;
    next();
  };
}

/** After authenticate: only the admin token passes (API keys get 403 ERR_FORBIDDEN). */
export const requireAdmin: Handler = (_req, res, next) => {
  const p = res.locals.principal as Principal | undefined;
  if (!p) return next(unauthorized());
  if (p.kind !== 'admin') return next(hearthError('ERR_FORBIDDEN'));
  next();
};
