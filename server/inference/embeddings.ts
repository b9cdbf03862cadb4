// Owns embedding requests: the same key limits and admission as generation, without a stream.
import type { HttpResponse } from '../http/node-http.js';
import type { EmbedRequest, EmbedResult } from '../contract/canonical.js';
import type { Lease } from '../scheduler/admission.js';
import type { PipelineDeps } from './pipeline.js';
import { admitTo, awaitSlot, checkKeyLimits } from './admit.js';

export async function runEmbedding(deps: PipelineDeps, res: HttpResponse, req: EmbedRequest): Promise<EmbedResult> {
  const principal = await checkKeyLimits(deps.limits, res, req.model);
  const ac = new AbortController();
  const onClose = () => { if (!res.writableFinished) ac.abort(); };
  res.on('close', onClose);
  let lease: Lease | undefined;
  try {
    const { target, admit } = await admitTo(deps, await deps.router.resolve(req.model), req.model, principal, ac.signal);
    lease = await awaitSlot(target, admit);
    const r = await target.engine.embed(req, ac.signal);
    await deps.limits.addTokens(principal, r.promptTokens);
    return r;
  } finally {
    res.off('close', onClose);
    if (!ac.signal.aborted) ac.abort(); // leaves the queue if still waiting
    lease?.release();
  }
}
