// Owns the admin API wire types the UI uses: status (health page), API keys, settings (limits and
// network), interfaces, and the model-management lists. Wire types only (zod + z.infer), no Node
// code: the renderer imports this file. Response schemas are loose (unknown fields pass) so a newer
// server never breaks an older UI; request schemas are strict.
import { z } from 'zod';
import { FitEstimate, ModelRecord, RecommendedModel } from './models.js';

// ---------------------------------------------------------------- status

export const PoolStatusWire = z.looseObject({
  slotsUsed: z.number(),
  slotsTotal: z.number(),
  queueDepth: z.number(),
  estimatedWaitMs: z.number(),
  tokensPerSecond: z.number(),
});
export type PoolStatusWire = z.infer<typeof PoolStatusWire>;

/** What is recorded of one finished request (the wire shape adds its end time as `at`). */
export const RecentRequestFields = z.object({
  model: z.string(),
  status: z.number(),
  latencyMs: z.number(),
  keyName: z.string(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  error: z.string().optional(),
});
export const RecentRequestWire = z.looseObject({ at: z.string(), ...RecentRequestFields.shape });
export type RecentRequestWire = z.infer<typeof RecentRequestWire>;

export const LoadedModelWire = z.looseObject({
  name: z.string(),
  active: z.number().optional(),
  expiresAt: z.string().nullable().optional(),
  info: z.looseObject({ slots: z.number().optional(), contextSize: z.number().optional(), gpu: z.string().optional(), sizeBytes: z.number().optional(), slotsReason: z.string().optional() }).optional(),
});
export type LoadedModelWire = z.infer<typeof LoadedModelWire>;

/** `GET /admin/status`. */
export const AdminStatus = z.looseObject({
  status: z.string(),
  reason: z.string(),
  ready: z.boolean(),
  version: z.string().optional(),
  uptimeS: z.number().optional(),
  address: z.looseObject({ host: z.string(), port: z.number() }).optional(),
  engine: z.looseObject({
    state: z.string(),
    restarts: z.number(),
    lastCrash: z.looseObject({ reason: z.string() }).nullable().optional(),
    gpu: z.union([z.string(), z.boolean()]).optional(),
    threads: z.number().nullable().optional(),
  }),
  /** Per scheduler pool (`local:<name>`, `upstream:<name>`). */
  models: z.record(z.string(), PoolStatusWire),
  loaded: z.array(LoadedModelWire).default([]),
  recent: z.array(RecentRequestWire).default([]),
  /** Tokens per second in 5-second steps, oldest first. */
  throughput: z.array(z.object({ t: z.number(), tps: z.number() })).default([]),
});
export type AdminStatus = z.infer<typeof AdminStatus>;

// ---------------------------------------------------------------- keys

export const KeyNameWire = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a key name is 1-64 of A-Z a-z 0-9 . _ - (starting with a letter or digit)');

export const KeyLimitsWire = z.object({
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  models: z.array(z.string().min(1)).optional(),
});
export type KeyLimitsWire = z.infer<typeof KeyLimitsWire>;

/** Use of a key seen in the recent-requests window. */
export const KeyUsage = z.object({ requests: z.number().int().nonnegative(), tokens: z.number().int().nonnegative(), errors: z.number().int().nonnegative() });
export type KeyUsage = z.infer<typeof KeyUsage>;

/** A key as listed: never the key itself nor its hash. */
export const KeyInfoWire = z.looseObject({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  limits: KeyLimitsWire,
  allowSpill: z.boolean(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  usage: KeyUsage,
});
export type KeyInfoWire = z.infer<typeof KeyInfoWire>;

/** `GET /admin/keys`. */
export const KeyListResponse = z.object({ data: z.array(KeyInfoWire) });
export type KeyListResponse = z.infer<typeof KeyListResponse>;

/** `POST /admin/keys`. */
export const CreateKeyRequest = z.object({
  name: KeyNameWire,
  rpm: z.number().int().positive().optional(),
  tpm: z.number().int().positive().optional(),
  models: z.array(z.string().min(1)).max(256).optional(),
  allowSpill: z.boolean().optional(),
}).strict();
export type CreateKeyRequest = z.infer<typeof CreateKeyRequest>;

/** The created key: `key` is shown this once and never again. */
export const CreateKeyResponse = z.object({ key: z.string(), record: KeyInfoWire });
export type CreateKeyResponse = z.infer<typeof CreateKeyResponse>;

/** `PATCH /admin/keys/:name`: null clears a limit, absent keeps it. */
export const PatchKeyRequest = z.object({
  rpm: z.number().int().positive().nullable().optional(),
  tpm: z.number().int().positive().nullable().optional(),
  models: z.array(z.string().min(1)).max(256).nullable().optional(),
  allowSpill: z.boolean().optional(),
}).strict();
export type PatchKeyRequest = z.infer<typeof PatchKeyRequest>;

// ---------------------------------------------------------------- settings

export const UpstreamKind = z.enum(['openai', 'anthropic', 'ollama']);

/** An upstream as shown: its key only as whether one is set. */
export const UpstreamView = z.looseObject({
  name: z.string(),
  kind: UpstreamKind,
  url: z.string(),
  concurrency: z.number().optional(),
  apiKey: z.object({ set: z.boolean() }),
});
export type UpstreamView = z.infer<typeof UpstreamView>;

/** The settings the UI edits, as values (effective now or saved). */
export const NetworkLimitsView = z.looseObject({
  host: z.string().optional(),
  port: z.number().optional(),
  maxConcurrency: z.number().optional(),
  maxQueue: z.number().optional(),
  queueTimeoutMs: z.number().optional(),
  requestTimeoutMs: z.number().optional(),
  keepAlive: z.number().optional(),
  allowedHosts: z.array(z.string()).optional(),
  corsOrigins: z.array(z.string()).optional(),
  adminRemote: z.boolean().optional(),
  upstream: z.array(UpstreamView).optional(),
});
export type NetworkLimitsView = z.infer<typeof NetworkLimitsView>;

/** `GET /admin/settings` and the answer to `PUT /admin/settings`. */
export const SettingsResponse = z.object({
  /** What is saved in settings.json (applies at the next start). */
  saved: NetworkLimitsView,
  /** What the running server uses now. */
  effective: NetworkLimitsView,
  /** True when saved differs from effective: a restart is needed. */
  restartRequired: z.boolean(),
  /** Plain-language notes (when changes apply, LAN exposure warning). */
  notes: z.array(z.string()),
});
export type SettingsResponse = z.infer<typeof SettingsResponse>;

/** An upstream in an update: `apiKey` a string sets it, null clears it, absent keeps it. */
export const UpstreamUpdate = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'an upstream name is 1-64 of a-z A-Z 0-9 _ -'),
  kind: UpstreamKind,
  url: z.string().url(),
  concurrency: z.number().int().min(1).max(1024).optional(),
  apiKey: z.string().min(1).max(4096).nullable().optional(),
}).strict();
export type UpstreamUpdate = z.infer<typeof UpstreamUpdate>;

/** `PUT /admin/settings`: fields present are saved; null returns a field to its default. */
export const SettingsUpdate = z.object({
  host: z.string().min(1).max(256).nullable().optional(),
  port: z.number().int().min(0).max(65535).nullable().optional(),
  maxConcurrency: z.number().int().min(1).max(256).nullable().optional(),
  maxQueue: z.number().int().min(0).max(10_000).nullable().optional(),
  queueTimeoutMs: z.number().int().min(1).max(3_600_000).nullable().optional(),
  requestTimeoutMs: z.number().int().min(0).max(86_400_000).nullable().optional(),
  allowedHosts: z.array(z.string().min(1).max(256)).max(64).nullable().optional(),
  corsOrigins: z.array(z.string().min(1).max(512)).max(64).nullable().optional(),
  upstream: z.array(UpstreamUpdate).max(64).nullable().optional(),
}).strict();
export type SettingsUpdate = z.infer<typeof SettingsUpdate>;

/** A network interface address the server could bind. */
export const InterfaceAddress = z.object({
  /** Interface name (e.g. "eth0"), or a label for the special choices. */
  name: z.string(),
  address: z.string(),
  family: z.enum(['IPv4', 'IPv6']),
  internal: z.boolean(),
});
export type InterfaceAddress = z.infer<typeof InterfaceAddress>;

/** `GET /admin/interfaces`: the special choices (loopback, all interfaces) come first. */
export const InterfaceList = z.object({ data: z.array(InterfaceAddress) });
export type InterfaceList = z.infer<typeof InterfaceList>;

// ---------------------------------------------------------------- models

/** A catalog record as the UI reads it, with a fit estimate when the server knows one. */
export const ModelRecordWire = ModelRecord.loose().extend({ fit: FitEstimate.optional() });
export type ModelRecordWire = z.infer<typeof ModelRecordWire>;
/** `GET /admin/models/catalog`. */
export const ModelCatalogResponse = z.object({ data: z.array(ModelRecordWire) });

export const RecommendedWire = RecommendedModel.loose().extend({ fit: FitEstimate.optional() });
export type RecommendedWire = z.infer<typeof RecommendedWire>;
/** `GET /admin/models/recommended`. */
export const RecommendedResponse = z.object({ data: z.array(RecommendedWire) });

/** `GET /admin/models`: what the router can serve (local and upstream), with load state. */
export const ServableModel = z.looseObject({ id: z.string(), owner: z.string(), size: z.number().optional(), loaded: z.boolean().optional() });
export const ServableModelList = z.object({ data: z.array(ServableModel) });
export type ServableModel = z.infer<typeof ServableModel>;

/** `GET /v1/models` (OpenAI shape), as the chat's model picker reads it. */
export const OpenAIModelList = z.object({ data: z.array(z.looseObject({ id: z.string(), owned_by: z.string().optional() })) });
