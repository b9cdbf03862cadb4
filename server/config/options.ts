// Owns the configuration: every option is declared once here, with its env name, its allowed
// values and its default. Precedence: CLI flag > env (HEARTH_<NAME>) > saved settings > default.
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1')]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.union([z.array(z.string()), z.string().transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))]);

/** Parses a duration: a number of ms, or "10m", "30s", "1h", "500ms"; negative means forever. */
export const duration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  if (typeof v === 'number') return v;
  const m = /^(-?\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) { ctx.addIssue({ code: 'custom', message: `not a duration: ${v}` }); return z.NEVER; }
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[(m[2] ?? 'ms') as 'ms'];
});

/** An upstream declaration: `name=kind:url`. */
export const UpstreamDecl = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/),
  kind: z.enum(['openai', 'anthropic', 'ollama']),
  url: z.string().url(),
  /** Concurrent requests sent to it. Defaults to 8. */
  concurrency: z.number().int().min(1).max(1024).default(8),
  /** Key; only from env HEARTH_UPSTREAM_<NAME>_KEY or the saved settings, never a flag. */
  apiKey: z.string().optional(),
});
export type UpstreamDecl = z.infer<typeof UpstreamDecl>;

export function parseUpstreamFlag(s: string): UpstreamDecl {
  const m = /^([^=]+)=(openai|anthropic|ollama):(.+)$/.exec(s);
  if (!m) throw new Error(`--upstream must be NAME=KIND:URL with KIND openai|anthropic|ollama, got "${s}"`);
  return UpstreamDecl.parse({ name: m[1], kind: m[2], url: m[3] });
}

interface OptionDecl<S extends z.ZodType> {
  /** Env var name. */
  env: string;
  /** CLI flag type for util.parseArgs. */
  flag: 'string' | 'boolean' | 'multiple' | 'none';
  schema: S;
  /** Default (a function of the partial config when it depends on another option). */
  default: (c: Partial<Record<string, unknown>>) => unknown;
  doc: string;
}
const opt = <S extends z.ZodType>(d: OptionDecl<S>) => d;

/** The OS app-data directory for Hearth. */
export function defaultDataDir(): string {
  if (process.platform === 'win32') return path.join(process.env.APPDATA ?? path.join(os.homedir(), 'AppData', 'Roaming'), 'Hearth');
  if (process.platform === 'darwin') return path.join(os.homedir(), 'Library', 'Application Support', 'Hearth');
  return path.join(process.env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share'), 'hearth');
}

export const OPTIONS = {
  /** Interface to bind. `127.0.0.1` (loopback), an interface address, or `0.0.0.0` (LAN mode). Defaults to `127.0.0.1`. */
  host: opt({ env: 'HEARTH_HOST', flag: 'string', schema: z.string().min(1), default: () => '127.0.0.1', doc: 'interface to bind' }),
  /** TCP port, 0..65535; `0` picks a free port. Defaults to 7433. */
  port: opt({ env: 'HEARTH_PORT', flag: 'string', schema: int(0, 65535), default: () => 7433, doc: 'port (0 = any free port)' }),
  /** Settings, keys, logs. Defaults to the OS app-data dir. */
  dataDir: opt({ env: 'HEARTH_DATA_DIR', flag: 'string', schema: z.string().min(1), default: () => defaultDataDir(), doc: 'data directory' }),
  /** GGUF models directory. Defaults to `<data-dir>/models`. */
  modelsDir: opt({ env: 'HEARTH_MODELS_DIR', flag: 'string', schema: z.string().min(1), default: (c) => path.join(String(c.dataDir), 'models'), doc: 'models directory' }),
  /** A model file or name to load at start. Defaults to none. */
  model: opt({ env: 'HEARTH_MODEL', flag: 'string', schema: z.string().min(1).optional(), default: () => undefined, doc: 'model to load at start' }),
  /** Upstreams, `NAME=KIND:URL`, repeatable. Defaults to none. */
  upstream: opt({ env: 'HEARTH_UPSTREAM', flag: 'multiple', schema: z.array(z.union([z.string().transform(parseUpstreamFlag), UpstreamDecl])), default: () => [], doc: 'upstream NAME=KIND:URL' }),
  /** Upper bound on slots per model, 1..256. Defaults to 4. */
  maxConcurrency: opt({ env: 'HEARTH_MAX_CONCURRENCY', flag: 'string', schema: int(1, 256), default: () => 4, doc: 'max parallel requests per model' }),
  /** Queue length per model, 0..10000. Defaults to 16. */
  maxQueue: opt({ env: 'HEARTH_MAX_QUEUE', flag: 'string', schema: int(0, 10_000), default: () => 16, doc: 'max queued requests per model' }),
  /** Longest wait in the queue, ms. Defaults to 30000. */
  queueTimeoutMs: opt({ env: 'HEARTH_QUEUE_TIMEOUT_MS', flag: 'string', schema: int(1, 3_600_000), default: () => 30_000, doc: 'queue timeout (ms)' }),
  /** Engine CPU threads, 1..256. Defaults to the physical core count, chosen by the engine. */
  threads: opt({ env: 'HEARTH_THREADS', flag: 'string', schema: int(1, 256).optional(), default: () => undefined, doc: 'engine CPU threads' }),
  /** Idle time before a model is unloaded ("10m", "-1" = never). Defaults to 10 min. */
  keepAlive: opt({ env: 'HEARTH_KEEP_ALIVE', flag: 'string', schema: duration, default: () => 600_000, doc: 'idle unload time (e.g. 10m)' }),
  /** Admin token. Defaults to one generated into `<data-dir>/admin-token` at first start. */
  adminToken: opt({ env: 'HEARTH_ADMIN_TOKEN', flag: 'string', schema: z.string().min(16).max(512).optional(), default: () => undefined, doc: 'admin token' }),
  /** Redis URL for shared rate-limit state. Defaults to in-memory limits. */
  redisUrl: opt({ env: 'HEARTH_REDIS_URL', flag: 'string', schema: z.string().url().optional(), default: () => undefined, doc: 'redis url for shared limits' }),
  /** Extra Host names accepted (DNS-rebinding guard). Defaults to none. */
  allowedHosts: opt({ env: 'HEARTH_ALLOWED_HOSTS', flag: 'string', schema: list, default: () => [], doc: 'extra allowed Host names (comma list)' }),
  /** CORS origins; none means no CORS. Defaults to none. */
  corsOrigins: opt({ env: 'HEARTH_CORS_ORIGINS', flag: 'string', schema: list, default: () => [], doc: 'allowed CORS origins (comma list)' }),
  /** Let /admin answer non-loopback clients. Defaults to false. */
  adminRemote: opt({ env: 'HEARTH_ADMIN_REMOTE', flag: 'boolean', schema: bool, default: () => false, doc: 'allow admin from the LAN' }),
  /** Slots per local model kept for the admin token (0 or 1). Defaults to 0. */
  ownerReservedSlots: opt({ env: 'HEARTH_OWNER_RESERVED_SLOTS', flag: 'string', schema: int(0, 1), default: () => 0, doc: 'slots reserved for the owner' }),
  /** Keep-alive comment interval while queued or evaluating, ms. Defaults to 10000. */
  heartbeatMs: opt({ env: 'HEARTH_HEARTBEAT_MS', flag: 'string', schema: int(100, 600_000), default: () => 10_000, doc: 'stream heartbeat interval (ms)' }),
  /** A client not reading for this long is aborted, ms. Defaults to 30000. */
  writeStallMs: opt({ env: 'HEARTH_WRITE_STALL_MS', flag: 'string', schema: int(100, 600_000), default: () => 30_000, doc: 'slow reader abort (ms)' }),
  /** Per-request deadline, ms (0 = none). Defaults to 600000. */
  requestTimeoutMs: opt({ env: 'HEARTH_REQUEST_TIMEOUT_MS', flag: 'string', schema: int(0, 86_400_000), default: () => 600_000, doc: 'per-request deadline (ms)' }),
  /** Context size per sequence for local models, tokens. Defaults to 2048 (capped by the model). */
  contextSize: opt({ env: 'HEARTH_CONTEXT_SIZE', flag: 'string', schema: int(64, 1_048_576), default: () => 2048, doc: 'context tokens per slot' }),
  /** Grace period for in-flight streams on SIGTERM, ms. Defaults to 15000. */
  shutdownGraceMs: opt({ env: 'HEARTH_SHUTDOWN_GRACE_MS', flag: 'string', schema: int(0, 600_000), default: () => 15_000, doc: 'shutdown grace (ms)' }),
  /** Models loaded at once, 1..64; the least recently used is unloaded first. Defaults to 2. */
  maxLoadedModels: opt({ env: 'HEARTH_MAX_LOADED_MODELS', flag: 'string', schema: int(1, 64), default: () => 2, doc: 'max models loaded at once' }),
  /** Log level: fatal|error|warn|info|debug|trace|silent. Defaults to info. */
  logLevel: opt({ env: 'HEARTH_LOG_LEVEL', flag: 'string', schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), default: () => 'info', doc: 'log level' }),
  /** GPU backend: auto|cuda|vulkan|metal|false. Defaults to auto. */
  gpu: opt({ env: 'HEARTH_GPU', flag: 'string', schema: z.enum(['auto', 'cuda', 'vulkan', 'metal', 'false']), default: () => 'auto', doc: 'GPU backend' }),
  /** Hugging Face base URL for `hf:` model sources (resolve and tree API). Defaults to `https://huggingface.co`. */
  hfEndpoint: opt({ env: 'HEARTH_HF_ENDPOINT', flag: 'string', schema: z.string().url(), default: () => 'https://huggingface.co', doc: 'Hugging Face base URL' }),
  /** Time to open the TCP/TLS connection to an upstream, ms. Defaults to 10000. */
  upstreamConnectTimeoutMs: opt({ env: 'HEARTH_UPSTREAM_CONNECT_TIMEOUT_MS', flag: 'string', schema: int(1, 600_000), default: () => 10_000, doc: 'upstream connect timeout (ms)' }),
  /** Time from sending a request to an upstream until its response headers arrive, ms. Defaults to 60000. */
  upstreamFirstByteTimeoutMs: opt({ env: 'HEARTH_UPSTREAM_FIRST_BYTE_TIMEOUT_MS', flag: 'string', schema: int(1, 3_600_000), default: () => 60_000, doc: 'upstream first-byte timeout (ms)' }),
  /** Longest silence inside an upstream response body, ms. Defaults to 30000. */
  upstreamIdleTimeoutMs: opt({ env: 'HEARTH_UPSTREAM_IDLE_TIMEOUT_MS', flag: 'string', schema: int(1, 3_600_000), default: () => 30_000, doc: 'upstream idle timeout (ms)' }),
  /** Spill-over rules `localModel=upstream/model` (comma list): when the local queue is full, keys allowed to spill go there. Defaults to none. */
  spill: opt({ env: 'HEARTH_SPILL', flag: 'string', schema: list.pipe(z.array(z.string().regex(/^[^=/\\\s]+=[a-zA-Z0-9_-]{1,64}\/\S+$/, 'spill rules are localModel=upstream/model'))), default: () => [], doc: 'spill-over rules local=upstream/model (comma list)' }),
} as const;

export type OptionName = keyof typeof OPTIONS;
export type Config = { [K in OptionName]: z.output<(typeof OPTIONS)[K]['schema']> };

/** Resolves the config. Throws an Error naming the option and its source on bad input. */
export function resolveConfig(sources: { flags?: Partial<Record<string, unknown>>; env?: NodeJS.ProcessEnv; settings?: Partial<Record<string, unknown>> }): Config {
  const env = sources.env ?? {};
  const out: Partial<Record<string, unknown>> = {};
  for (const [name, d] of Object.entries(OPTIONS) as [OptionName, OptionDecl<z.ZodType>][]) {
    let raw: unknown; let from: string;
    if (sources.flags?.[name] !== undefined) { raw = sources.flags[name]; from = `--${kebab(name)}`; }
    else if (env[d.env] !== undefined && env[d.env] !== '') { raw = d.flag === 'multiple' ? env[d.env]!.split(/\s+/).filter(Boolean) : env[d.env]; from = `env ${d.env}`; }
    else if (sources.settings?.[name] !== undefined) { raw = sources.settings[name]; from = `settings.${name}`; }
    else { out[name] = d.default(out); continue; }
    const r = d.schema.safeParse(raw);
    if (!r.success) throw new Error(`invalid ${from}: ${r.error.issues.map((i) => i.message).join('; ')}`);
    out[name] = r.data;
  }
  // Upstream keys come from env HEARTH_UPSTREAM_<NAME>_KEY (or settings), never a flag.
  out.upstream = (out.upstream as UpstreamDecl[]).map((u) => ({ ...u, apiKey: env[`HEARTH_UPSTREAM_${u.name.toUpperCase().replace(/-/g, '_')}_KEY`] ?? u.apiKey }));
  return out as Config;
}

export function kebab(s: string): string { return s.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()); }
