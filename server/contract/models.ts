// Owns the model-management wire types shared by the admin API, `hearth models ... --json` and the
// UI: catalog records, pull requests and their NDJSON progress events, imports, recommendations, fit.
import { z } from 'zod';

/** What the GGUF header says about a model. */
export const ModelMetadata = z.object({
  /** `general.architecture`, e.g. "llama". */
  architecture: z.string(),
  /** `general.name` when present. */
  displayName: z.string().optional(),
  /** Total weights (sum of tensor elements). */
  parameterCount: z.number().int().nonnegative().optional(),
  /** File type / quantization, e.g. "Q4_K_M", "F16". */
  quantization: z.string().optional(),
  /** Trained context length, tokens. */
  contextLength: z.number().int().nonnegative().optional(),
  /** Transformer blocks. */
  layers: z.number().int().nonnegative().optional(),
  /** Embedding width. */
  embeddingLength: z.number().int().nonnegative().optional(),
  /** Attention heads (query). */
  headCount: z.number().int().nonnegative().optional(),
  /** Attention heads (key/value). */
  headCountKv: z.number().int().nonnegative().optional(),
  /** Whether `tokenizer.chat_template` is present. */
  hasChatTemplate: z.boolean(),
});
export type ModelMetadata = z.infer<typeof ModelMetadata>;

/** One entry of the catalog (`hearth models list --json` prints an array of these). */
export const ModelRecord = z.object({
  /** The model name: the file stem. */
  name: z.string(),
  /** Absolute path of the file. */
  file: z.string(),
  /** Bytes. */
  size: z.number().int().nonnegative(),
  /** False when pre-validation refused the file; it is then never handed to llama.cpp. */
  valid: z.boolean(),
  /** Why it is invalid. */
  reason: z.string().optional(),
  /** File modification time, ISO 8601. */
  modifiedAt: z.string().optional(),
  metadata: ModelMetadata.optional(),
});
export type ModelRecord = z.infer<typeof ModelRecord>;
export const ModelList = z.array(ModelRecord);
export type ModelList = z.infer<typeof ModelList>;

const Sha256 = z.string().regex(/^[0-9a-fA-F]{64}$/, 'sha256 must be 64 hex digits').transform((s) => s.toLowerCase());

/** `POST /admin/models/pull` body. */
export const PullRequest = z.object({
  /** `http(s)://...` or `hf:owner/repo/path/file.gguf`. */
  source: z.string().min(1).max(4096),
  sha256: Sha256.optional(),
  name: z.string().min(1).max(1024).optional(),
});
export type PullRequest = z.infer<typeof PullRequest>;

/** A progress report: `bytes` never decreases within one pull. */
export const PullProgress = z.object({
  bytes: z.number().int().nonnegative(),
  /** Null while the size is unknown. */
  total: z.number().int().nonnegative().nullable(),
  speedBps: z.number().nonnegative(),
  /** Null while unknown. */
  etaS: z.number().nonnegative().nullable(),
});
export type PullProgress = z.infer<typeof PullProgress>;

/** The result of a completed pull or import. */
export const PulledModel = z.object({
  name: z.string(),
  file: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string(),
});
export type PulledModel = z.infer<typeof PulledModel>;

/** NDJSON events of `POST /admin/models/pull`, one per line. */
export const PullEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('started'), id: z.string(), name: z.string() }),
  PullProgress.extend({ type: z.literal('progress') }),
  z.object({ type: z.literal('verifying') }),
  PulledModel.extend({ type: z.literal('done') }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type PullEvent = z.infer<typeof PullEvent>;

/** `POST /admin/models/import` body. */
export const ImportRequest = z.object({
  /** Absolute path of a local GGUF file. */
  path: z.string().min(1).max(4096),
  name: z.string().min(1).max(1024).optional(),
  /** Copy the file (default) or link to it. */
  mode: z.enum(['copy', 'link']).default('copy'),
});
export type ImportRequest = z.infer<typeof ImportRequest>;

/** A model we suggest for the first run. Sizes and shapes are approximate, for fit estimates. */
export const RecommendedModel = z.object({
  id: z.string(),
  title: z.string(),
  /** `hf:owner/repo/file.gguf`. */
  source: z.string(),
  license: z.string(),
  licenseUrl: z.string(),
  /** Approximate file size, bytes. */
  sizeBytes: z.number().int().positive(),
  parameterCount: z.number().int().positive(),
  quantization: z.string(),
  layers: z.number().int().positive(),
  embeddingLength: z.number().int().positive(),
  headCount: z.number().int().positive(),
  headCountKv: z.number().int().positive(),
  headDim: z.number().int().positive(),
  contextLength: z.number().int().positive(),
});
export type RecommendedModel = z.infer<typeof RecommendedModel>;

/** Whether a model fits this machine, where, with how many slots and what context. */
export const FitEstimate = z.object({
  fits: z.boolean(),
  where: z.enum(['gpu', 'cpu', 'none']),
  slots: z.number().int().nonnegative(),
  contextSize: z.number().int().nonnegative(),
  /** Bytes the estimate needs: weights + KV cache for `slots` + overhead. */
  bytesNeeded: z.number().nonnegative(),
  reason: z.string(),
});
export type FitEstimate = z.infer<typeof FitEstimate>;
