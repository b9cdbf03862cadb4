// Owns the Express application: the global middleware order (host check before anything,
// request id, logging, CORS, draining and metrics, body parsing), the route table, 404 and the error
// renderer; and its fast lane, which runs the same chain, handlers and renderer for the hot routes.
import express, { type NextFunction, type Request, type Response } from 'express';
import { hearthError, toHearthError } from '../errors/catalog.js';
import { dialectForPath, errorBody } from '../errors/format.js';
import { hostCheck } from './middleware/host-check.js';
import { cors } from './middleware/cors.js';
import { requestId } from './middleware/request-id.js';
import { requestLogger } from '../logging/logger.js';
import { registerRoutes } from './routes.js';
import { createFastLane, type ErrorRenderer, type FastLane } from './fast-lane.js';
import { pathOf, sendJson, type Handler } from './node-http.js';
import type { Services } from './services.js';

/** The Express app and its fast lane (the server's request listener tries the lane first). */
export interface HearthApp { app: express.Express; lane: FastLane }

export function createApp(s: Services): HearthApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // The global chain, in order; the fast lane runs the same one.
  const chain: Handler[] = [
    hostCheck({ host: s.config.host, port: () => s.address.port, allowedHosts: s.config.allowedHosts }),
    requestId(),
    requestLogger(s.logger),
    cors({ origins: s.config.corsOrigins }),
    (req, res, next) => {
      const path = pathOf(req);
      if (s.draining && path !== '/healthz' && path !== '/readyz') return next(hearthError('ERR_SHUTTING_DOWN', undefined, { retryAfterS: 5 }));
      s.metrics.inFlight.inc();
      res.once('close', () => {
        s.metrics.inFlight.dec();
        const route = ((req as Partial<Request>).route?.path as string | undefined) ?? (res.locals.route as string | undefined) ?? 'unmatched';
        s.metrics.httpRequests.inc({ route, status: String(res.statusCode) });
      });
      next();
    },
  ];
  const renderError: ErrorRenderer = (raw, req, res) => {
    const err = toHearthError(raw);
    if (err.code === 'ERR_INTERNAL') s.logger.error({ err: raw, reqId: res.getHeader('x-request-id') }, 'internal error');
    if (res.headersSent) { res.destroy(); return; }
    for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
    const version = req.headers['anthropic-version'];
    sendJson(res, err.status, errorBody(dialectForPath(pathOf(req), typeof version === 'string' ? version : undefined), err));
  };
  const lane = createFastLane(chain, renderError);
  app.use(...chain);
  app.use(express.json({ limit: '32mb', type: ['application/json', 'application/*+json', 'text/plain'] }));
  registerRoutes(app, lane, s);
  app.use((_req: Request, _res: Response, next: NextFunction) => next(hearthError('ERR_NOT_FOUND', 'No such endpoint.')));
  app.use((raw: unknown, req: Request, res: Response, _next: NextFunction) => renderError(raw, req, res));
  return { app, lane };
}
