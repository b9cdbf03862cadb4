// Owns the steps every model request takes before it may run, shared by generation, embeddings and
// Ollama's load requests: the key's limits (429 before any byte), a slot on the target's pool (with
// spill-over to an upstream when the local queue is full), and waiting for the model and the slot.
import type { HttpResponse } from '../http/node-http.js';
import type { Principal } from '../auth/principal.js';
import type { Admit, Lease } from '../scheduler/admission.js';
import type { PipelineDeps } from './pipeline.js';
import type { Target } from './router.js';

/** Checks the key's limits for `model` and sets the x-ratelimit-* headers; returns the principal. */
export async function checkKeyLimits(limits: PipelineDeps['limits'], res: HttpResponse, model: string): Promise<Principal> {
  const principal = res.locals.principal as Principal;
  const headers = await limits.checkRequest(principal, model);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  return principal;
}

/**
 * Takes a slot (or a queue place) on `target`'s pool. When a local queue is full and the key may
 * leave the machine, the request spills over to the configured upstream instead of being refused.
 */
export async function admitTo(deps: PipelineDeps, target: Target, model: string, principal: Principal, signal: AbortSignal): Promise<{ target: Target; admit: Admit }> {
  const priority = principal.kind === 'admin' ? 'owner' : 'normal';
  try {
    return { target, admit: deps.admission.admit(target.pool, { priority, signal }) };
  } catch (err) {
    const spill = target.kind === 'local' && deps.spillTarget ? await deps.spillTarget(model, principal) : undefined;
    if (!spill) { deps.observer?.rejected?.(target.pool, 'queue_full'); throw err; }
    return { target: spill, admit: deps.admission.admit(spill.pool, { priority, signal }) };
  }
}

/** Waits until the target can serve (a local model loads) and the slot is ours; on failure the slot goes back whenever it arrives. */
export async function awaitSlot(target: Target, admit: Admit): Promise<Lease> {
  if (!target.prepare && admit.kind === 'granted') return admit.lease; // nothing to wait for
  try {
    const [, lease] = await Promise.all([target.prepare?.(), admit.lease]);
    return lease;
  } catch (err) {
    if (admit.kind === 'granted') admit.lease.release();
    else admit.lease.then((l) => l.release(), () => undefined);
    throw err;
  }
}
