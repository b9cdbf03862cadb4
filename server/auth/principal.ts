// Owns the Principal type: who a request acts as once authenticated (the admin token or an API key).
import type { KeyLimits } from './key-store.js';

export type Principal =
  | { kind: 'admin' }
  | { kind: 'key'; id: string; name: string; limits: KeyLimits; allowSpill: boolean };

/** The principal the auth middleware stored on `res.locals`, if any. */
export function principalOf(locals: Record<string, unknown>): Principal | undefined {
  return locals.principal as Principal | undefined;
}
