// Owns the OpenAI-dialect HTTP handlers: /v1/models, /v1/chat/completions, /v1/completions, /v1/embeddings.
import type { Request, Response } from 'express';
import { sendJson, type HttpRequest, type HttpResponse } from '../http/node-http.js';
import { chatResponse, chatToCanonical, completionResponse, completionToCanonical, embeddingsInput, embeddingsResponse, openaiSink } from '../dialects/openai.js';
import { runInference } from '../inference/pipeline.js';
import { runEmbedding } from '../inference/embeddings.js';
import type { Services } from '../http/services.js';
import { hearthError } from '../errors/catalog.js';

export function openaiRoutes(s: Services) {
  const stallMs = s.config.writeStallMs;
  return {
    async models(_req: Request, res: Response) {
      const list = await s.router.list();
      res.json({ object: 'list', data: list.map((m) => ({ id: m.id, object: 'model', created: Math.floor(Date.parse(m.modifiedAt ?? '') / 1000) || 0, owned_by: m.owner })) });
    },
    async model(req: Request, res: Response) {
      const raw = req.params.id as unknown as string[] | string; // `*id` matches `<upstream>/<model>` too
      const id = Array.isArray(raw) ? raw.join('/') : raw;
      const m = (await s.router.list()).find((x) => x.id === id);
      if (!m) throw hearthError('ERR_MODEL_NOT_FOUND', `The model "${id}" does not exist.`);
      res.json({ id: m.id, object: 'model', created: Math.floor(Date.parse(m.modifiedAt ?? '') / 1000) || 0, owned_by: m.owner });
    },
    async chat(req: HttpRequest, res: HttpResponse) {
      const { canonical, stream, includeUsage } = chatToCanonical(req.body);
      if (stream) { await runInference(s.pipeline, res, canonical, openaiSink(res, { kind: 'chat', model: canonical.model, includeUsage, stallMs })); return; }
      await runInference(s.pipeline, res, canonical, (r) => sendJson(res, 200, chatResponse(canonical.model, r)));
    },
    async completions(req: HttpRequest, res: HttpResponse) {
      const { canonical, stream, includeUsage } = completionToCanonical(req.body);
      if (stream) { await runInference(s.pipeline, res, canonical, openaiSink(res, { kind: 'completion', model: canonical.model, includeUsage, stallMs })); return; }
      await runInference(s.pipeline, res, canonical, (r) => sendJson(res, 200, completionResponse(canonical.model, r)));
    },
    async embeddings(req: HttpRequest, res: HttpResponse) {
      const { model, input, base64 } = embeddingsInput(req.body);
      const r = await runEmbedding(s.pipeline, res, { model, input });
      sendJson(res, 200, embeddingsResponse(model, r.embeddings, r.promptTokens, base64));
    },
  };
}
