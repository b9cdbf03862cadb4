// Owns embedding requests: the same key limits and admission as generation, without a stream.
import type { Response } from 'express';
import type { EmbedRequest, EmbedResult } from '../contract/canonical.js';
import type { Principal } from '../auth/principal.js';
import type { PipelineDeps } from './pipeline.js';

export async function runEmbedding(deps: PipelineDeps, res: Response, req: EmbedRequest): Promise<EmbedResult> {
  const principal = res.locals.principal as Principal;
  const headers = await deps.limits.checkRequest(principal, req.model);
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  const target = await deps.router.resolve(req.model);
  const ac = new AbortController();
  const onClose = () => { if (!res.writableFinished) ac.abort(); };
  res.on('close', onClose);
  const admit = deps.admission.admit(target.pool, { priority: principal.kind === 'admin' ? 'owner' : 'normal', signal: ac.signal });
  let lease = admit.kind === 'granted' ? admit.lease : undefined;
  try {
    const [, got] = await Promise.all([target.prepare(), admit.lease]);
    lease = got;
    const r = await target.engine.embed(req, ac.signal);
    await deps.limits.addTokens(principal, r.promptTokens);
    return r;
  } finally {
    res.off('close', onClose);
    if (!ac.signal.aborted) ac.abort();
    if (lease) lease.release();
    else if (admit.kind === 'queued') admit.lease.then((l) => l.release(), () => undefined);
  }
}
