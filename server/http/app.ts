// Owns the Express application: the global middleware order (host check before anything,
// request id, CORS, body parsing, logging), the route table, 404 and the error renderer.
import express, { type NextFunction, type Request, type Response } from 'express';
import { hearthError, toHearthError } from '../errors/catalog.js';
import { dialectForPath, errorBody } from '../errors/format.js';
import { hostCheck } from './middleware/host-check.js';
import { cors } from './middleware/cors.js';
import { requestId } from './middleware/request-id.js';
import { requestLogger } from '../logging/logger.js';
import { registerRoutes } from './routes.js';
import type { Services } from './services.js';

export function createApp(s: Services): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(hostCheck({ host: s.config.host, port: () => s.address.port, allowedHosts: s.config.allowedHosts }));
  app.use(requestId());
  app.use(requestLogger(s.logger));
  app.use(cors({ origins: s.config.corsOrigins }));
  app.use((req, res, next) => {
    if (s.draining && req.path !== '/healthz' && req.path !== '/readyz') return next(hearthError('ERR_SHUTTING_DOWN', undefined, { retryAfterS: 5 }));
    s.metrics.inFlight.inc();
    res.once('close', () => {
      s.metrics.inFlight.dec();
      s.metrics.httpRequests.inc({ route: (req.route?.path as string | undefined) ?? 'unmatched', status: String(res.statusCode) });
    });
    next();
  });
  app.use(express.json({ limit: '32mb', type: ['application/json', 'application/*+json', 'text/plain'] }));
  registerRoutes(app, s);
  app.use((_req: Request, _res: Response, next: NextFunction) => next(hearthError('ERR_NOT_FOUND', 'No such endpoint.')));
  app.use((raw: unknown, req: Request, res: Response, _next: NextFunction) => {
    const err = toHearthError(raw);
    if (err.code === 'ERR_INTERNAL') s.logger.error({ err: raw, reqId: res.getHeader('x-request-id') }, 'internal error');
    if (res.headersSent) { res.destroy(); return; }
    for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
    res.status(err.status).json(errorBody(dialectForPath(req.path, req.get('anthropic-version')), err));
  });
  return app;
}
