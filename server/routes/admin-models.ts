// Owns the admin model-management handlers: list the catalog, pull with NDJSON progress (cancel by
// DELETE /admin/models/pull/:id or by disconnecting), delete (refused while in use), import, and the
// recommended list. Load/unload belong to the engine routes (server/routes/admin.ts).
import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import { ImportRequest, PullRequest, type FitEstimate, type PullEvent } from '../contract/models.js';
import { estimateFit } from '../models/fit.js';
import { hearthError, toHearthError } from '../errors/catalog.js';
import { listModels, type MetadataReader } from '../models/catalog.js';
import { deleteModel, importModel } from '../models/manage.js';
import { assertModelName } from '../models/names.js';
import { pullModel, resolveSource } from '../models/pull.js';
import { RECOMMENDED_MODELS } from '../models/recommended.js';

export interface AdminModelsDeps {
  modelsDir: string;
  /** Hugging Face base URL (config.hfEndpoint). */
  hfEndpoint?: string;
  /** True while the model is loaded or serving (the engine knows). */
  inUse: (name: string) => boolean;
  /** Called after the catalog changed (pull done, import, delete), e.g. to refresh the router. */
  onChanged?: () => void;
  /** Injected for tests; defaults to node-llama-cpp's reader. */
  readMetadata?: MetadataReader;
  /** This machine's memory and the slot settings, for fit estimates (omitted: no `fit` field). */
  machine?: () => Promise<MachineFacts>;
}

export interface MachineFacts { vram: { total: number; free: number } | null; ram: { total: number; free: number }; contextSize: number; maxConcurrency: number }

type Shape = { bytes: number; layers?: number; embd?: number; heads?: number; headsKv?: number; headDim?: number; trained?: number };

function fitFor(m: MachineFacts, s: Shape): FitEstimate | undefined {
  if (!s.layers || !s.embd || !s.heads) return undefined;
  const headDim = s.headDim ?? Math.floor(s.embd / s.heads);
  return estimateFit({
    modelBytes: s.bytes, layers: s.layers, embd: s.embd, headsKv: s.headsKv ?? s.heads, headDim,
    contextSize: m.contextSize, ...(s.trained ? { trainedContextSize: s.trained } : {}), vram: m.vram, ram: m.ram, maxConcurrency: m.maxConcurrency,
  });
}

function body<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, v: unknown): T {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw hearthError('ERR_VALIDATION', r.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

/** The handlers; the lead's route table mounts them behind the admin chain. */
export function adminModelsRoutes(deps: AdminModelsDeps) {
  const pulls = new Map<string, AbortController>();
  return {
    /** GET /admin/models/catalog → ModelRecord[] */
    async list(_req: Request, res: Response): Promise<void> {
      const records = await listModels(deps.modelsDir, { readMetadata: deps.readMetadata });
      const m = await deps.machine?.().catch(() => undefined);
      res.json({ data: m ? records.map((r) => {
        const md = r.metadata;
        const fit = r.valid && md ? fitFor(m, { bytes: r.size, layers: md.layers, embd: md.embeddingLength, heads: md.headCount, headsKv: md.headCountKv, trained: md.contextLength }) : undefined;
        return fit ? { ...r, fit } : r;
      }) : records });
    },

    /** GET /admin/models/recommended → RecommendedModel[] */
    async recommended(_req: Request, res: Response): Promise<void> {
      const m = await deps.machine?.().catch(() => undefined);
      res.json({ data: m ? RECOMMENDED_MODELS.map((r) => {
        const fit = fitFor(m, { bytes: r.sizeBytes, layers: r.layers, embd: r.embeddingLength, heads: r.headCount, headsKv: r.headCountKv, headDim: r.headDim, trained: r.contextLength });
        return fit ? { ...r, fit } : r;
      }) : RECOMMENDED_MODELS });
    },

    /** POST /admin/models/pull {source, sha256?, name?} → NDJSON PullEvent lines. */
    async pull(req: Request, res: Response): Promise<void> {
      const b = body(PullRequest, req.body);
      // Refuse a bad source or name with a plain HTTP error before the stream starts.
      const src = resolveSource(b.source, deps.hfEndpoint);
      const name = b.name ?? src.defaultName;
      if (name === undefined) throw hearthError('ERR_VALIDATION', 'The source does not end in a .gguf file name: give a name.');
      assertModelName(name);
      const id = randomUUID();
      const ac = new AbortController();
      pulls.set(id, ac);
      let finished = false;
      res.on('close', () => { if (!finished) ac.abort(); });
      res.status(200);
      res.setHeader('content-type', 'application/x-ndjson; charset=utf-8');
      res.setHeader('cache-control', 'no-store');
      res.setHeader('x-pull-id', id);
      res.flushHeaders();
      const send = (e: PullEvent) => { if (!res.writableEnded && !res.destroyed) res.write(JSON.stringify(e) + '\n'); };
      send({ type: 'started', id, name });
      try {
        const r = await pullModel({
          source: b.source, sha256: b.sha256, name, modelsDir: deps.modelsDir, hfEndpoint: deps.hfEndpoint, signal: ac.signal,
          onProgress: (p) => send({ type: 'progress', ...p }),
          onVerifying: () => send({ type: 'verifying' }),
        });
        deps.onChanged?.();
        send({ type: 'done', ...r });
      } catch (err) {
        const e = toHearthError(err);
        send({ type: 'error', code: e.code, message: e.message });
      } finally {
        finished = true;
        pulls.delete(id);
        if (!res.writableEnded) res.end();
      }
    },

    /** DELETE /admin/models/pull/:id → {cancelled: true}; ERR_NOT_FOUND when no such pull runs. */
    async cancelPull(req: Request, res: Response): Promise<void> {
      const ac = pulls.get(String(req.params.id));
      if (!ac) throw hearthError('ERR_NOT_FOUND', 'No such pull is running.');
      ac.abort();
      res.json({ cancelled: true });
    },

    /** DELETE /admin/models/:name → {deleted: true}; ERR_MODEL_IN_USE while loaded. */
    async delete(req: Request, res: Response): Promise<void> {
      const name = String(req.params.name);
      await deleteModel({ modelsDir: deps.modelsDir, name, inUse: deps.inUse });
      deps.onChanged?.();
      res.json({ deleted: true, name });
    },

    /** POST /admin/models/import {path, name?, mode} → PulledModel. */
    async import(req: Request, res: Response): Promise<void> {
      const b = body(ImportRequest, req.body);
      const r = await importModel({ src: b.path, modelsDir: deps.modelsDir, name: b.name, mode: b.mode });
      deps.onChanged?.();
      res.json(r);
    },
  };
}
