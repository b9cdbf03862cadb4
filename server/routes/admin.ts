// Owns the admin status and model load/unload handlers.
import type { Request, Response } from 'express';
import { readiness } from './health.js';
import type { Services } from '../http/services.js';
import type { MachineFacts } from './admin-models.js';

/** Memory figures from the engine worker (VRAM via node-llama-cpp) and the slot settings, for fit estimates. */
export async function machineFacts(s: Services): Promise<MachineFacts> {
  const mem = await s.supervisor.memory();
  return {
    vram: mem.vram.total > 0 && mem.gpu !== 'false' ? { total: mem.vram.total, free: mem.vram.free } : null,
    ram: mem.ram, contextSize: s.config.contextSize, maxConcurrency: s.config.maxConcurrency,
  };
}

export function adminRoutes(s: Services) {
  return {
    status(_req: Request, res: Response) {
      const r = readiness(s);
      res.json({
        ...r.body,
        ready: r.ready,
        version: process.env.npm_package_version ?? '0.1.0',
        address: s.address,
        uptimeS: Math.round((Date.now() - s.startedAt) / 1000),
        loaded: s.local.loaded(),
        workerPid: s.supervisor.pid ?? null,
        recent: s.recent.list().slice(0, 50),
        throughput: s.recent.throughput(),
      });
    },
    /** GET /admin/upstreams: each upstream's kind, URL, concurrency, whether a key is set (never the key), slots and models. */
    async upstreams(_req: Request, res: Response) {
      const pools = s.admission.snapshot();
      const models = await s.router.list();
      res.json({ data: s.config.upstream.map((u) => ({
        name: u.name, kind: u.kind, url: u.url, concurrency: u.concurrency, apiKey: { set: Boolean(u.apiKey) },
        pool: pools[`upstream:${u.name}`] ?? null,
        models: models.filter((m) => m.id.startsWith(`${u.name}/`)).map((m) => m.id),
      })) });
    },
    async listModels(_req: Request, res: Response) {
      res.json({ data: await s.router.list() });
    },
    async loadModel(req: Request, res: Response) {
      const name = String(req.params.name);
      await s.router.resolve(name);
      const info = await s.local.ensureLoaded(name);
      res.json({ loaded: true, info });
    },
    async unloadModel(req: Request, res: Response) {
      await s.local.unload(String(req.params.name));
      res.json({ unloaded: true });
    },
  };
}
