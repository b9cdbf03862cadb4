// Owns the Ollama-dialect HTTP handlers: /api/chat, /api/generate (including load/unload requests),
// /api/embed, /api/embeddings, /api/tags, /api/ps, /api/show and /api/version.
import type { Request, Response } from 'express';
import { sendJson, sendText, type HttpRequest, type HttpResponse } from '../http/node-http.js';
import {
  chatToCanonical, checkNumCtx, collectedResponse, embedInput, embeddingsInput, generateToCanonical, loadResponse, ollamaSink,
  psResponse, showInput, showResponse, tagsResponse, type OllamaCall,
} from '../dialects/ollama.js';
import { hearthError } from '../errors/catalog.js';
import { runInference } from '../inference/pipeline.js';
import { runEmbedding } from '../inference/embeddings.js';
import type { Services } from '../http/services.js';
import { checkKeyLimits } from '../inference/admit.js';

export function ollamaRoutes(s: Services) {
  const stallMs = s.config.writeStallMs;
  const version = process.env.npm_package_version ?? '0.1.0';

  /** Key limits (rate, allowed models) apply to load and unload requests as to generation. */
  const checkKey = (res: HttpResponse, model: string) => checkKeyLimits(s.pipeline.limits, res, model);

  /** Ollama's empty prompt: load the model, or with keep_alive 0 unload it. */
  async function loadOrUnload(res: HttpResponse, model: string, keepAliveMs: number | undefined): Promise<'load' | 'unload'> {
    await checkKey(res, model);
    const target = await s.router.resolve(model);
    if (keepAliveMs === 0) {
      if (target.kind === 'local' && s.local.isLoaded(model)) {
        if (s.local.isInUse(model)) throw hearthError('ERR_MODEL_IN_USE', `The model "${model}" is serving requests; unload it when they finish.`);
        await s.local.unload(model);
      }
      return 'unload';
    }
    await target.prepare?.();
    if (target.kind === 'local' && keepAliveMs !== undefined) s.local.setKeepAlive(model, keepAliveMs);
    return 'load';
  }

  /** keep_alive on an embedding: 0 unloads once idle, other values set the idle time (generation passes keep_alive in the canonical request). */
  async function unloadIfAsked(model: string, keepAliveMs: number | undefined): Promise<void> {
    if (keepAliveMs !== undefined && keepAliveMs !== 0 && !model.includes('/')) s.local.setKeepAlive(model, keepAliveMs);
    if (keepAliveMs === 0 && !model.includes('/') && s.local.isLoaded(model) && !s.local.isInUse(model)) await s.local.unload(model).catch(() => undefined);
  }

  /** options.num_ctx must fit the context the model is loaded with. */
  function checkContext(call: OllamaCall): void {
    if (call.numCtx === undefined) return;
    if (call.model.includes('/')) throw hearthError('ERR_NOT_SUPPORTED', 'options.num_ctx applies only to local models; an upstream model keeps its own context.', { detail: { param: 'options.num_ctx' } });
    checkNumCtx(call.numCtx, s.local.loaded().find((m) => m.name === call.model)?.info.contextSize, call.model);
  }

  async function run(res: HttpResponse, call: OllamaCall): Promise<void> {
    if (!call.canonical) {
      const reason = await loadOrUnload(res, call.model, call.keepAliveMs);
      const body = loadResponse(call.kind, call.displayModel, reason);
      if (call.stream) sendText(res, 200, 'application/x-ndjson', JSON.stringify(body) + '\n');
      else sendJson(res, 200, body);
      return;
    }
    checkContext(call);
    if (call.stream) { await runInference(s.pipeline, res, call.canonical, ollamaSink(res, { kind: call.kind, model: call.displayModel, stallMs })); return; }
    await runInference(s.pipeline, res, call.canonical, (r) => sendJson(res, 200, collectedResponse(call.kind, call.displayModel, r)));
  }

  return {
    chat: (req: HttpRequest, res: HttpResponse) => run(res, chatToCanonical(req.body)),
    generate: (req: HttpRequest, res: HttpResponse) => run(res, generateToCanonical(req.body)),
    async embed(req: HttpRequest, res: HttpResponse) {
      const { displayModel, model, input, keepAliveMs } = embedInput(req.body);
      const started = performance.now();
      if (input.length === 0) {
        await loadOrUnload(res, model, keepAliveMs);
        sendJson(res, 200, { model: displayModel, embeddings: [] });
        return;
      }
      const r = await runEmbedding(s.pipeline, res, { model, input });
      await unloadIfAsked(model, keepAliveMs);
      const totalNs = Math.round((performance.now() - started) * 1e6);
      sendJson(res, 200, { model: displayModel, embeddings: r.embeddings, total_duration: totalNs, load_duration: 0, prompt_eval_count: r.promptTokens });
    },
    /** The legacy single-prompt endpoint some clients still call. */
    async embeddings(req: HttpRequest, res: HttpResponse) {
      const { model, input, keepAliveMs } = embeddingsInput(req.body);
      const r = await runEmbedding(s.pipeline, res, { model, input });
      await unloadIfAsked(model, keepAliveMs);
      sendJson(res, 200, { embedding: r.embeddings[0] ?? [] });
    },
    async tags(_req: Request, res: Response) {
      res.json(tagsResponse(await s.router.list()));
    },
    async ps(_req: Request, res: Response) {
      res.json(psResponse(s.local.loaded(), await s.router.list()));
    },
    async show(req: Request, res: Response) {
      const { model } = showInput(req.body);
      const m = (await s.router.list()).find((x) => x.id === model);
      if (!m) throw hearthError('ERR_MODEL_NOT_FOUND', `The model "${model.slice(0, 200)}" does not exist.`);
      res.json(showResponse(m, s.local.loaded().find((l) => l.name === model)?.info));
    },
    version(_req: Request, res: Response) {
      res.json({ version });
    },
  };
}
