// Owns the Anthropic-dialect HTTP handlers: POST /v1/messages, and GET /v1/models[/:id] answered in
// Anthropic's shape for Anthropic clients (recognised by their `anthropic-version` header).
import type { Request, RequestHandler, Response } from 'express';
import { sendJson, type HttpRequest, type HttpResponse } from '../http/node-http.js';
import { anthropicModelInfo, anthropicModelList, anthropicSink, messageResponse, messagesToCanonical } from '../dialects/anthropic.js';
import { hearthError } from '../errors/catalog.js';
import { runInference } from '../inference/pipeline.js';
import type { Services } from '../http/services.js';

/** Anthropic's SDK reads `request-id`; Hearth's request id is `x-request-id`. */
function echoRequestId(res: HttpResponse): void {
  const id = res.getHeader('x-request-id');
  if (id !== undefined) res.setHeader('request-id', String(id));
}

export function anthropicRoutes(s: Services) {
  const stallMs = s.config.writeStallMs;
  /** Lets requests from Anthropic clients through; any other request goes on to the next route (OpenAI's). */
  const onlyAnthropicClients: RequestHandler = (req, _res, next) => { next(req.headers['anthropic-version'] !== undefined ? undefined : 'route'); };
  return {
    onlyAnthropicClients,
    async messages(req: HttpRequest, res: HttpResponse) {
      echoRequestId(res);
      // `anthropic-version` and `anthropic-beta` are accepted and ignored: Hearth speaks one version.
      const { canonical, stream } = messagesToCanonical(req.body);
      if (stream) { await runInference(s.pipeline, res, canonical, anthropicSink(res, { model: canonical.model, stallMs })); return; }
      await runInference(s.pipeline, res, canonical, (r) => sendJson(res, 200, messageResponse(canonical.model, r)));
    },
    /** GET /v1/models for Anthropic clients: `{data:[{type:'model', id, display_name, created_at}], has_more, first_id, last_id}`. */
    async models(req: Request, res: Response) {
      echoRequestId(res);
      res.json(anthropicModelList(await s.router.list(), req.query));
    },
    /** GET /v1/models/*id for Anthropic clients (`models.retrieve`); ids may contain `/` (`<upstream>/<model>`). */
    async model(req: Request, res: Response) {
      echoRequestId(res);
      const raw = (req.params as Record<string, string | string[] | undefined>).id;
      const id = Array.isArray(raw) ? raw.join('/') : raw ?? '';
      const m = (await s.router.list()).find((x) => x.id === id);
      if (!m) throw hearthError('ERR_MODEL_NOT_FOUND', `The model "${id.slice(0, 200)}" does not exist.`);
      res.json(anthropicModelInfo(m));
    },
  };
}
