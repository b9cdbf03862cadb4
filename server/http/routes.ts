// Owns THE route table: every endpoint and its middleware chain, in one function.
// To add an endpoint: schema in server/contract/, handler in server/routes/<name>.ts, one line here.
import type { Express, RequestHandler } from 'express';
import { authenticate, requireAdmin } from './middleware/auth.js';
import { adminLoopback } from './middleware/admin-loopback.js';
import type { Services } from './services.js';
import { healthRoutes } from '../routes/health.js';
import { openaiRoutes } from '../routes/openai.js';
import { metricsRoutes } from '../routes/metrics.js';
import { adminRoutes } from '../routes/admin.js';

export function registerRoutes(app: Express, s: Services): void {
  const health = healthRoutes(s);
  const openai = openaiRoutes(s);
  const metrics = metricsRoutes(s);
  const admin = adminRoutes(s);
  const auth: RequestHandler = authenticate({ adminToken: s.adminToken, keyStore: s.keyStore });
  const adminOnly: RequestHandler[] = [adminLoopback({ adminRemote: s.config.adminRemote }), auth, requireAdmin];

  app.get('/healthz', health.healthz);
  app.get('/readyz', health.readyz);

  app.get('/v1/models', auth, openai.models);
  app.post('/v1/chat/completions', auth, openai.chat);
  app.post('/v1/completions', auth, openai.completions);
  app.post('/v1/embeddings', auth, openai.embeddings);

  app.get('/metrics', ...adminOnly, metrics.metrics);

  app.get('/admin/status', ...adminOnly, admin.status);
  app.get('/admin/models', ...adminOnly, admin.listModels);
  app.post('/admin/models/:name/load', ...adminOnly, admin.loadModel);
  app.post('/admin/models/:name/unload', ...adminOnly, admin.unloadModel);
}
