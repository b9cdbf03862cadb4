// Owns per-key limits: allowed models, requests per minute and tokens per minute (prompt +
// completion, counted as they flow), with OpenAI-style x-ratelimit-* headers. Counters live in
// memory (RateLimiterMemory) or, with a Redis URL, in Redis under a shared prefix so that replicas
// share them (with an in-memory fallback while Redis is unreachable).
import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { hearthError } from '../errors/catalog.js';
import type { Principal } from './principal.js';

const WINDOW_S = 60;
/** Counters are unbounded; each key's own limit is compared against the count. */
const UNBOUNDED = 1e15;
export const RATE_LIMIT_PREFIX = 'hearth:rl';

export interface KeyLimitsOptions {
  /** Share counters through this Redis. Defaults to in-memory counters. */
  redisUrl?: string | undefined;
  /** Key prefix in Redis. Defaults to `hearth:rl`. */
  keyPrefix?: string;
}

export interface KeyLimiter {
  /** Checks (and counts) one request; returns the x-ratelimit-* headers to set. Throws ERR_MODEL_NOT_ALLOWED or ERR_RATE_LIMITED (with Retry-After and the headers). */
  checkRequest(principal: Principal, model?: string): Promise<Record<string, string>>;
  /** Counts `n` prompt/completion tokens against the key's tokens-per-minute budget. */
  addTokens(principal: Principal, n: number): Promise<void>;
  close(): Promise<void>;
}

/** Whether `model` is in a key's allow-list (exact names, or `upstream/*`). */
export function modelAllowed(allowed: string[] | undefined, model: string | undefined): boolean {
  if (!allowed || model === undefined) return true;
  return allowed.some((a) => a === model || (a.endsWith('/*') && model.startsWith(a.slice(0, -1))));
}

/** OpenAI-style reset duration: "0s", "12s", "1m3s". */
export function formatReset(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`;
}

export function createKeyLimits(opts: KeyLimitsOptions = {}): KeyLimiter {
  const prefix = opts.keyPrefix ?? RATE_LIMIT_PREFIX;
  let redis: Redis | undefined;
  const make = (kind: string): RateLimiterAbstract => {
    const base = { points: UNBOUNDED, duration: WINDOW_S, keyPrefix: `${prefix}:${kind}` };
    if (!redis) return new RateLimiterMemory(base);
    return new RateLimiterRedis({ ...base, storeClient: redis, insuranceLimiter: new RateLimiterMemory(base) });
  };
  if (opts.redisUrl) {
    redis = new Redis(opts.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true, lazyConnect: false });
    redis.on('error', () => { /* reconnects by itself; the insurance limiter covers the gap */ });
  }
  const requests = make('req');
  const tokens = make('tok');

  const consumedOf = (r: RateLimiterRes | null) => r?.consumedPoints ?? 0;

  return {
    async checkRequest(principal, model) {
      if (principal.kind !== 'key') return {};
      const { rpm, tpm, models } = principal.limits;
      if (!modelAllowed(models, model)) throw hearthError('ERR_MODEL_NOT_ALLOWED', `This key may not use the model "${model}".`);
      const headers: Record<string, string> = {};
      let refusedMs: number | undefined; let why = '';

      if (tpm !== undefined) {
        const r = await tokens.get(principal.id);
        const used = consumedOf(r);
        const resetMs = r ? r.msBeforeNext : 0;
        headers['x-ratelimit-limit-tokens'] = String(tpm);
        headers['x-ratelimit-remaining-tokens'] = String(Math.max(0, tpm - used));
        headers['x-ratelimit-reset-tokens'] = formatReset(resetMs);
        if (used >= tpm) { refusedMs = Math.max(resetMs, 1000); why = `${tpm} tokens per minute`; }
      }
      if (rpm !== undefined) {
        let r: RateLimiterRes | null;
        if (refusedMs === undefined) {
          r = await requests.consume(principal.id, 1);
          if (r.consumedPoints > rpm) {
            await requests.reward(principal.id, 1); // a refused request does not use up the next window
            refusedMs = Math.max(r.msBeforeNext, 1000); why = `${rpm} requests per minute`;
          }
        } else r = await requests.get(principal.id);
        const used = Math.min(consumedOf(r), rpm);
        headers['x-ratelimit-limit-requests'] = String(rpm);
        headers['x-ratelimit-remaining-requests'] = String(Math.max(0, rpm - used));
        headers['x-ratelimit-reset-requests'] = formatReset(r ? r.msBeforeNext : 0);
      }
      if (refusedMs !== undefined) {
        throw hearthError('ERR_RATE_LIMITED', `Rate limit exceeded for key "${principal.name}": ${why}.`, { retryAfterS: refusedMs / 1000, headers });
      }
      return headers;
    },

    async addTokens(principal, n) {
      if (principal.kind !== 'key' || !(n > 0)) return;
      try { await tokens.consume(principal.id, Math.ceil(n)); } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
      }
    },

    async close() {
      if (redis) { try { await redis.quit(); } catch { redis.disconnect(); } }
    },
  };
}
