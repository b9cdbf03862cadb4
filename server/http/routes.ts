// Owns THE route table: every endpoint and its middleware chain, in one function.
// To add an endpoint: schema in server/contract/, handler in server/routes/<name>.ts, one line here.
// `hot` routes (the JSON API POSTs) are also served by the fast lane, with the same chain.
import type { Express, RequestHandler } from 'express';
import type { FastLane } from './fast-lane.js';
import type { Handler } from './node-http.js';
import { authenticate, requireAdmin } from './middleware/auth.js';
import { adminLoopback } from './middleware/admin-loopback.js';
import type { Services } from './services.js';
import { healthRoutes } from '../routes/health.js';
import { openaiRoutes } from '../routes/openai.js';
import { anthropicRoutes } from '../routes/anthropic.js';
import { ollamaRoutes } from '../routes/ollama.js';
import { metricsRoutes } from '../routes/metrics.js';
import { adminRoutes } from '../routes/admin.js';
import { adminModelsRoutes } from '../routes/admin-models.js';
import { machineFacts } from '../routes/admin.js';
import { adminKeysRoutes } from '../routes/admin-keys.js';
import { adminSettingsRoutes } from '../routes/admin-settings.js';
import { uiRoutes } from '../routes/ui.js';

export function registerRoutes(app: Express, lane: FastLane, s: Services): void {
  const health = healthRoutes(s);
  const openai = openaiRoutes(s);
  const anthropic = anthropicRoutes(s);
  const ollama = ollamaRoutes(s);
  const metrics = metricsRoutes(s);
  const admin = adminRoutes(s);
  const adminModels = adminModelsRoutes({ modelsDir: s.config.modelsDir, hfEndpoint: s.config.hfEndpoint, inUse: (n) => s.local.isLoaded(n), onChanged: () => { void s.router.list().catch(() => undefined); }, machine: () => machineFacts(s) });
  const adminKeys = adminKeysRoutes(s);
  const adminSettings = adminSettingsRoutes(s);
  const ui = uiRoutes();
  const auth = authenticate({ adminToken: s.adminToken, keyStore: s.keyStore });
  const adminOnly: RequestHandler[] = [adminLoopback({ adminRemote: s.config.adminRemote }), auth, requireAdmin];
  const hot = (path: string, ...handlers: Handler[]) => { lane.post(path, ...handlers); app.post(path, ...handlers); };

  app.get('/healthz', health.healthz);
  app.get('/readyz', health.readyz);

  // Anthropic clients (anthropic-version header) get the model list in their shape; others fall through.
  app.get('/v1/models', anthropic.onlyAnthropicClients, auth, anthropic.models);
  app.get('/v1/models/*id', anthropic.onlyAnthropicClients, auth, anthropic.model);
  app.get('/v1/models', auth, openai.models);
  app.get('/v1/models/*id', auth, openai.model);
  hot('/v1/chat/completions', auth, openai.chat);
  hot('/v1/completions', auth, openai.completions);
  hot('/v1/embeddings', auth, openai.embeddings);

  hot('/v1/messages', auth, anthropic.messages);

  hot('/api/chat', auth, ollama.chat);
  hot('/api/generate', auth, ollama.generate);
  hot('/api/embed', auth, ollama.embed);
  hot('/api/embeddings', auth, ollama.embeddings);
  app.get('/api/tags', auth, ollama.tags);
  app.get('/api/ps', auth, ollama.ps);
  app.post('/api/show', auth, ollama.show);
  app.get('/api/version', auth, ollama.version);

  app.get('/metrics', ...adminOnly, metrics.metrics);

  app.get('/admin/status', ...adminOnly, admin.status);
  app.get('/admin/upstreams', ...adminOnly, admin.upstreams);
  app.get('/admin/models', ...adminOnly, admin.listModels);
  app.post('/admin/models/:name/load', ...adminOnly, admin.loadModel);
  app.post('/admin/models/:name/unload', ...adminOnly, admin.unloadModel);
  app.get('/admin/models/catalog', ...adminOnly, adminModels.list);
  app.get('/admin/models/recommended', ...adminOnly, adminModels.recommended);
  app.post('/admin/models/pull', ...adminOnly, adminModels.pull);
  app.delete('/admin/models/pull/:id', ...adminOnly, adminModels.cancelPull);
  app.post('/admin/models/import', ...adminOnly, adminModels.import);
  app.delete('/admin/models/:name', ...adminOnly, adminModels.delete);

  app.get('/admin/keys', ...adminOnly, adminKeys.list);
  app.post('/admin/keys', ...adminOnly, adminKeys.create);
  app.patch('/admin/keys/:name', ...adminOnly, adminKeys.update);
  app.delete('/admin/keys/:name', ...adminOnly, adminKeys.revoke);

  app.get('/admin/settings', ...adminOnly, adminSettings.get);
  app.put('/admin/settings', ...adminOnly, adminSettings.put);
  app.get('/admin/interfaces', ...adminOnly, adminSettings.interfaces);

  // The web UI (no auth: static files only); keep these last so API routes win.
  app.use(ui.static);
  app.get('/{*path}', ui.spa);
}
