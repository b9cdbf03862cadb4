// Owns starting and stopping one Hearth server: builds the services, listens, and tears down in
// order — stop accepting, let in-flight streams finish (grace), abort the rest, then dispose the
// engine worker (sequences, contexts, models, llama) and the stores.
import { mkdirSync, existsSync, statSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { EventEmitter } from 'node:events';
import type { Config } from './config/options.js';
import { createLogger, flushLogs } from './logging/logger.js';
import { ensureAdminToken, adminTokenBanner } from './auth/admin-token.js';
import { KeyStore } from './auth/key-store.js';
import { createKeyLimits } from './auth/key-limits.js';
import { Admission } from './scheduler/admission.js';
import { createMetrics, bindAdmission } from './metrics/metrics.js';
import { EngineSupervisor } from './engine/supervisor.js';
import { LocalModels } from './inference/local-models.js';
import { ModelRouter } from './inference/router.js';
import { createSpillPolicy } from './inference/spill.js';
import { createUpstreams } from './upstreams/registry.js';
import { RecentRequests } from './inference/recent.js';
import { checkLoadableFile, listModels, resolveLoadableModel } from './models/catalog.js';
import { createApp } from './http/app.js';
import { handleClientError } from './http/client-error.js';
import { readiness } from './routes/health.js';
import type { Services } from './http/services.js';
import type { PipelineDeps } from './inference/pipeline.js';
import { SettingsStore } from './state/settings-store.js';

import type { ServerStatus } from './contract/ipc.js';
export type { ServerStatus };

export interface RunningServer {
  url: string;
  adminToken: string;
  /** Set on the first start, when the admin token was generated: the banner to show once. */
  adminTokenBanner?: string;
  services: Services;
  status(): ServerStatus;
  onStatus(cb: (s: ServerStatus) => void): () => void;
  close(): Promise<void>;
}

export async function startServer(config: Config, opts: { settings?: SettingsStore } = {}): Promise<RunningServer> {
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(config.modelsDir, { recursive: true });
  const logger = createLogger({ level: config.logLevel, dataDir: config.dataDir });
  const admin = ensureAdminToken({ dataDir: config.dataDir, given: config.adminToken });
  const keyStore = KeyStore.open(config.dataDir, { onError: (err) => logger.error({ err: err.message }, 'key store') });
  const limits = createKeyLimits({ redisUrl: config.redisUrl });
  const admission = new Admission({ maxQueue: config.maxQueue, queueTimeoutMs: config.queueTimeoutMs, ownerReservedSlots: config.ownerReservedSlots });
  const metrics = createMetrics();
  const unbindMetrics = bindAdmission(metrics, admission);
  const supervisor = new EngineSupervisor({ threads: config.threads, gpu: config.gpu, onLog: (line) => logger.warn({ worker: true }, line) });
  supervisor.on('crash', (c) => { metrics.engineRestarts.inc(); logger.error(c, 'engine worker crashed; restarting'); });
  const recent = new RecentRequests();

  // Whether the models dir holds a valid model, for /readyz: checked at start, then again in the
  // background at most once a second when asked (files can be copied in while the server runs).
  let catalogHasModels = false;
  let catalogCheckedAt = Date.now();
  const refreshCatalog = async () => { catalogHasModels = (await listModels(config.modelsDir)).some((m) => m.valid); };
  await refreshCatalog().catch(() => undefined);
  const hasCatalogModels = () => {
    if (Date.now() - catalogCheckedAt > 1000) { catalogCheckedAt = Date.now(); void refreshCatalog().catch(() => undefined); }
    return catalogHasModels;
  };

  const settings = opts.settings ?? SettingsStore.open(config.dataDir);
  const settingsModels = () => settings.get().models ?? {};
  const local = new LocalModels({
    supervisor,
    resolvePath: async (name, registered) => (await (registered ? checkLoadableFile(registered, name) : resolveLoadableModel(config.modelsDir, name))).file,
    setCapacity: (pool, slots) => admission.setCapacity(pool, slots),
    loadOptions: (name) => {
      const m = settingsModels()[name] ?? {};
      return { contextSize: m.contextSize ?? config.contextSize, maxSequences: config.maxConcurrency, gpuLayers: m.gpuLayers, flashAttention: m.flashAttention };
    },
    keepAliveMs: config.keepAlive,
    maxLoadedModels: config.maxLoadedModels,
    hasCatalogModels,
    onLog: (msg) => logger.info(msg),
  });
  const router = new ModelRouter({
    local,
    checkLocal: async (name) => { if (!local.isRegistered(name)) await resolveLoadableModel(config.modelsDir, name); },
    listLocal: async () => {
      const records = await listModels(config.modelsDir);
      catalogHasModels = records.some((m) => m.valid);
      const listed = records.filter((m) => m.valid).map((m) => ({ id: m.name, owner: 'local', size: m.size, loaded: local.isLoaded(m.name), ...(m.modifiedAt ? { modifiedAt: m.modifiedAt } : {}), details: { ...(m.metadata ?? {}) } }));
      for (const l of local.loaded()) if (!listed.some((m) => m.id === l.name)) listed.push({ id: l.name, owner: 'local', size: l.info.sizeBytes, loaded: true, details: {} });
      return listed;
    },
  });
  const upstreams = createUpstreams(config.upstream, { admission, logger, connectTimeoutMs: config.upstreamConnectTimeoutMs, firstByteTimeoutMs: config.upstreamFirstByteTimeoutMs, idleTimeoutMs: config.upstreamIdleTimeoutMs });
  router.upstreams = upstreams;
  const pipeline: PipelineDeps = {
    router, admission, limits, heartbeatMs: config.heartbeatMs, requestTimeoutMs: config.requestTimeoutMs,
    spillTarget: createSpillPolicy(config.spill, () => upstreams),
    observer: {
      firstToken: (pool, ms) => metrics.ttft.observe({ pool }, ms / 1000),
      token: (pool, gap) => metrics.interToken.observe({ pool }, gap / 1000),
      finished: (pool, r) => {
        metrics.tokensIn.inc({ pool }, r.usage.promptTokens);
        metrics.tokensOut.inc({ pool }, r.usage.completionTokens);
        recent.add({ atMs: Date.now(), model: r.model, status: r.status, latencyMs: Math.round(r.durationMs), keyName: r.principal.kind === 'admin' ? 'admin' : r.principal.name, promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens, error: r.error });
      },
    },
  };

  const services: Services = {
    config, logger, adminToken: admin.token, keyStore, settings, supervisor, local, router, admission, pipeline, metrics, recent,
    address: { host: config.host, port: config.port }, startedAt: Date.now(), draining: false,
  };
  const { app, lane } = createApp(services);
  const server: Server = await new Promise((resolve, reject) => {
    const srv = createServer((req, res) => { if (!lane.handle(req, res)) app(req, res); });
    srv.listen(config.port, config.host, () => resolve(srv));
    srv.once('error', reject);
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', handleClientError);
  services.address = { host: config.host, port: (server.address() as AddressInfo).port };
  const hostForUrl = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${hostForUrl}:${services.address.port}`;

  const events = new EventEmitter();
  const status = (): ServerStatus => {
    if (services.draining) return { state: 'stopped', reason: 'shutting down' };
    const r = readiness(services);
    if (supervisor.state !== 'ready') return { state: supervisor.lastCrash ? 'error' : 'starting', reason: r.reason };
    if (local.loading().length) return { state: 'loading', reason: r.reason };
    const busy = Object.values(admission.snapshot()).some((p) => p.slotsUsed > 0);
    return { state: busy ? 'busy' : 'ready', reason: r.reason };
  };
  // Slot changes happen twice per request: compute the status only for listeners, once per tick.
  let statusQueued = false;
  const emitStatus = () => {
    if (statusQueued || events.listenerCount('status') === 0) return;
    statusQueued = true;
    setImmediate(() => { statusQueued = false; events.emit('status', status()); });
  };
  const unsub = admission.onChange(emitStatus);
  supervisor.on('state', emitStatus);

  // Start the engine worker after listening: /healthz answers at once, /readyz says "starting".
  if (config.model) services.startupModel = config.model;
  const booting = supervisor.start().then(async () => {
    if (!config.model) return;
    let name = config.model;
    if (existsSync(config.model) && statSync(config.model).isFile()) name = local.registerFile(config.model);
    await local.ensureLoaded(name);
  }).catch((err) => logger.error({ err: (err as Error).message }, 'startup load failed'))
    .finally(() => { services.startupModel = undefined; emitStatus(); });

  let closing: Promise<void> | undefined;
  const close = () => closing ??= (async () => {
    services.draining = true;
    emitStatus();
    const closed = new Promise<void>((r) => server.close(() => r()));
    const grace = new Promise<void>((r) => setTimeout(r, config.shutdownGraceMs).unref());
    await Promise.race([closed, grace]);
    server.closeAllConnections();
    await booting;
    admission.close();
    unsub(); unbindMetrics();
    await local.close();
    await supervisor.close();
    await limits.close();
    upstreams.close();
    await keyStore.close();
    flushLogs(logger);
  })();

  return {
    url, adminToken: admin.token, services, status, close,
    ...(admin.created ? { adminTokenBanner: adminTokenBanner(admin.token, admin.file) } : {}),
    onStatus: (cb) => { events.on('status', cb); return () => events.off('status', cb); },
  };
}
