// Owns /healthz (process alive) and /readyz (200 only when a request could be served now).
import type { Request, Response } from 'express';
import type { Services } from '../http/services.js';

export function readiness(s: Services): { ready: boolean; reason: string; body: Record<string, unknown> } {
  const sup = s.supervisor;
  const pools = s.admission.snapshot();
  const engine = { state: sup.state, restarts: sup.restarts, lastCrash: sup.lastCrash ?? null, gpu: sup.gpu, threads: sup.threads };
  const models = Object.fromEntries(Object.entries(pools).map(([pool, p]) => [pool, {
    slotsUsed: p.slotsUsed, slotsTotal: p.slotsTotal, queueDepth: p.queueDepth, estimatedWaitMs: Math.round(p.estimatedWaitMs), tokensPerSecond: Math.round(p.tokensPerSecond * 10) / 10,
  }]));
  const loadingModels = s.local.loading();
  const servable = Object.values(pools).some((p) => p.slotsTotal > 0);
  let reason = 'ok';
  let ready = true;
  if (s.draining) { ready = false; reason = 'shutting down'; }
  else if (sup.state !== 'ready') { ready = false; reason = sup.lastCrash ? `engine worker restarting after a crash: ${sup.lastCrash.reason}` : 'engine worker starting'; }
  else if (s.startupModel) { ready = false; reason = `loading model ${s.startupModel}`; }
  else if (loadingModels.length && !servable) { ready = false; reason = `loading model ${loadingModels.join(', ')}`; }
  else if (!servable && !s.local.hasCandidates() && s.config.upstream.length === 0) { ready = false; reason = 'no model available: pull or import a model, or configure an upstream'; }
  return { ready, reason, body: { status: ready ? 'ready' : 'unavailable', reason, engine, models } };
}

export function healthRoutes(s: Services) {
  return {
    healthz(_req: Request, res: Response) {
      res.json({ status: 'ok', reason: 'alive', uptimeS: Math.round((Date.now() - s.startedAt) / 1000) });
    },
    readyz(_req: Request, res: Response) {
      const r = readiness(s);
      res.status(r.ready ? 200 : 503).json(r.body);
    },
  };
}
