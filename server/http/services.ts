// Owns the Services bag: the long-lived parts of one running server that route handlers use.
import type { Logger } from 'pino';
import type { Config } from '../config/options.js';
import type { EngineSupervisor } from '../engine/supervisor.js';
import type { LocalModels } from '../inference/local-models.js';
import type { ModelRouter } from '../inference/router.js';
import type { PipelineDeps } from '../inference/pipeline.js';
import type { Admission } from '../scheduler/admission.js';
import type { Metrics } from '../metrics/metrics.js';
import type { KeyStore } from '../auth/key-store.js';
import type { RecentRequests } from '../inference/recent.js';
import type { SettingsStore } from '../state/settings-store.js';

export interface Services {
  config: Config;
  logger: Logger;
  adminToken: string;
  keyStore: KeyStore;
  /** Saved settings (`<data-dir>/settings.json`). */
  settings: SettingsStore;
  supervisor: EngineSupervisor;
  local: LocalModels;
  router: ModelRouter;
  admission: Admission;
  pipeline: PipelineDeps;
  metrics: Metrics;
  recent: RecentRequests;
  /** The real bound address, known after listen. */
  address: { host: string; port: number };
  startedAt: number;
  /** The `--model` given at start, while its first load is still pending. */
  startupModel?: string;
  /** True once close() began: /readyz answers 503 and new requests are refused. */
  draining: boolean;
}
