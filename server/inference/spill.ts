// Owns the spill-over policy: per local model, the upstream model that takes its requests when the
// local queue is full — only for principals allowed to leave the machine (keys with allowSpill, and
// the admin token).
import type { Principal } from '../auth/principal.js';
import type { Target, UpstreamLookup } from './router.js';

/** Parses `localModel=upstream/model` rules into a map (later rules win). Throws on a malformed rule. */
export function parseSpillRules(rules: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of rules) {
    const eq = r.indexOf('=');
    const local = r.slice(0, eq).trim();
    const target = r.slice(eq + 1).trim();
    if (eq <= 0 || !local || !/^[^/\s]+\/\S+$/.test(target)) throw new Error(`spill rule must be localModel=upstream/model, got "${r}"`);
    out.set(local, target);
  }
  return out;
}

export function mayLeaveMachine(p: Principal): boolean {
  return p.kind === 'admin' || p.allowSpill;
}

/** The `spillTarget` hook of PipelineDeps for `rules` resolved through `upstreams`. */
export function createSpillPolicy(rules: readonly string[], upstreams: () => UpstreamLookup | undefined): (model: string, principal: Principal) => Promise<Target | undefined> {
  const map = parseSpillRules(rules);
  return async (model, principal) => {
    if (!mayLeaveMachine(principal)) return undefined;
    const to = map.get(model);
    return to ? upstreams()?.resolve(to) : undefined;
  };
}
