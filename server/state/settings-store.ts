// Owns the saved settings, `<data-dir>/settings.json`: the persistable options of
// server/config/options.ts plus per-model load options, zod-validated on load (a bad file names the
// field, or the last good backup is used and reported), written atomically with mode 0600, and a
// redacted view for API responses in which upstream keys appear only as `{ set: true }`. With an
// optional SecretBox (the desktop app's OS key store), upstream keys are sealed on disk and opened on
// load; in memory they are always plain.
import path from 'node:path';
import { z } from 'zod';
import { OPTIONS, UpstreamDecl } from '../config/options.js';
import { hearthError } from '../errors/catalog.js';
import { loadWithBackup, removeStaleTemps, writeFileAtomicSync, formatIssuePath } from './atomic-file.js';

/** Load options for one local model. */
export const ModelLoadOptions = z.object({
  contextSize: z.number().int().min(64).max(1_048_576).optional(),
  gpuLayers: z.union([z.number().int().min(0), z.enum(['auto', 'max'])]).optional(),
  flashAttention: z.boolean().optional(),
}).strict();
export type ModelLoadOptions = z.infer<typeof ModelLoadOptions>;

export const Settings = z.object({
  host: OPTIONS.host.schema.optional(),
  port: OPTIONS.port.schema.optional(),
  modelsDir: OPTIONS.modelsDir.schema.optional(),
  upstream: z.array(UpstreamDecl).optional(),
  maxConcurrency: OPTIONS.maxConcurrency.schema.optional(),
  maxQueue: OPTIONS.maxQueue.schema.optional(),
  queueTimeoutMs: OPTIONS.queueTimeoutMs.schema.optional(),
  threads: OPTIONS.threads.schema.optional(),
  keepAlive: OPTIONS.keepAlive.schema.optional(),
  allowedHosts: OPTIONS.allowedHosts.schema.optional(),
  corsOrigins: OPTIONS.corsOrigins.schema.optional(),
  adminRemote: OPTIONS.adminRemote.schema.optional(),
  ownerReservedSlots: OPTIONS.ownerReservedSlots.schema.optional(),
  heartbeatMs: OPTIONS.heartbeatMs.schema.optional(),
  writeStallMs: OPTIONS.writeStallMs.schema.optional(),
  requestTimeoutMs: OPTIONS.requestTimeoutMs.schema.optional(),
  contextSize: OPTIONS.contextSize.schema.optional(),
  models: z.record(z.string().min(1), ModelLoadOptions).optional(),
}).strict();
export type Settings = z.output<typeof Settings>;

/** An upstream as the API shows it: the key only as whether it is set. */
export type RedactedUpstream = Omit<UpstreamDecl, 'apiKey'> & { apiKey: { set: boolean } };
export type RedactedSettings = Omit<Settings, 'upstream'> & { upstream?: RedactedUpstream[] };

/** An upstream in a patch: `apiKey` a string sets it, null clears it, absent or `{set:...}` keeps it. */
const UpstreamPatch = UpstreamDecl.omit({ apiKey: true }).extend({
  apiKey: z.union([z.string().min(1), z.null(), z.object({ set: z.boolean() })]).optional(),
});
/** A settings patch: a field set to null goes back to its default; `models.<name>: null` removes it. */
const PatchValues = Settings.omit({ upstream: true, models: true }).extend({
  upstream: z.array(UpstreamPatch).optional(),
  models: z.record(z.string().min(1), ModelLoadOptions.nullable()).optional(),
}).strict();
export type SettingsPatch = { [K in keyof z.input<typeof PatchValues>]?: z.input<typeof PatchValues>[K] | null } | Record<string, unknown>;

/** Settings with upstream keys replaced by `{ set: boolean }`. */
export function redactSettings(s: Settings): RedactedSettings {
  const { upstream, ...rest } = structuredClone(s);
  if (!upstream) return rest;
  return { ...rest, upstream: upstream.map(({ apiKey, ...u }) => ({ ...u, apiKey: { set: Boolean(apiKey) } })) };
}

/** Seals secrets at rest (the desktop app passes one over Electron's safeStorage). */
export interface SettingsSecrets {
  /** Seals a secret for storage; may throw when nothing may be written (the key then stays in memory only). */
  seal(plain: string): string;
  /** Opens a value `seal` produced; throws when it cannot. */
  open(sealed: string): string;
  isSealed(value: string): boolean;
}

export interface SettingsStoreOptions {
  /** Seal upstream API keys on disk. Defaults to storing them as given (file mode 0600). */
  secrets?: SettingsSecrets;
}

/** Opens sealed upstream keys; a key that cannot be opened is dropped and reported. */
function openSecrets(s: Settings, secrets: SettingsSecrets | undefined): { settings: Settings; problems: string[] } {
  if (!secrets || !s.upstream) return { settings: s, problems: [] };
  const problems: string[] = [];
  const upstream = s.upstream.map((u, i) => {
    if (u.apiKey === undefined || !secrets.isSealed(u.apiKey)) return u;
    try { return { ...u, apiKey: secrets.open(u.apiKey) }; } catch {
      problems.push(`settings.upstream.${i}.apiKey (upstream "${u.name}") could not be unsealed; enter the key again`);
      const { apiKey: _dropped, ...rest } = u;
      return rest;
    }
  });
  return { settings: { ...s, upstream }, problems };
}

export class SettingsStore {
  readonly file: string;
  /** Set when the main file was bad and the backup was used: the message to report. */
  readonly warning: string | undefined;
  private settings: Settings;
  private readonly secrets: SettingsSecrets | undefined;

  private constructor(file: string, settings: Settings, warning: string | undefined, secrets: SettingsSecrets | undefined) {
    this.file = file; this.settings = settings; this.warning = warning; this.secrets = secrets;
  }

  /** Opens `<dataDir>/settings.json`. Throws naming the file and field when neither it nor its backup is valid. */
  static open(dataDir: string, opts: SettingsStoreOptions = {}): SettingsStore {
    const file = path.join(dataDir, 'settings.json');
    removeStaleTemps(file);
    const r = loadWithBackup(file, Settings);
    const { settings, problems } = openSecrets(r.data ?? {}, opts.secrets);
    if (r.source === 'backup') {
      const warning = [`${r.error}; started from the last good backup ${file}.bak`, ...problems].join('; ');
      const store = new SettingsStore(file, settings, warning, opts.secrets);
      store.write(); // make the main file good again
      return store;
    }
    return new SettingsStore(file, settings, problems.length ? problems.join('; ') : undefined, opts.secrets);
  }

  /** The saved settings (a copy; includes secrets: never send it in a response). */
  get(): Settings { return structuredClone(this.settings); }

  /** The saved settings for API responses. */
  redacted(): RedactedSettings { return redactSettings(this.settings); }

  /** Applies a patch, validates the result, writes it atomically. Throws ERR_VALIDATION naming the field. */
  update(patch: SettingsPatch): Settings {
    const cleared = Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] === null);
    const unknown = cleared.filter((k) => !(k in Settings.shape));
    if (unknown.length) throw hearthError('ERR_VALIDATION', `unknown setting: ${unknown.join(', ')}`);
    const values = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null));
    const p = PatchValues.safeParse(values);
    if (!p.success) {
      const i = p.error.issues[0]!;
      if (i.code === 'unrecognized_keys') throw hearthError('ERR_VALIDATION', `unknown setting: ${i.keys.join(', ')}`);
      throw hearthError('ERR_VALIDATION', `settings.${formatIssuePath(i.path)}: ${i.message}`);
    }
    const next: Record<string, unknown> = structuredClone(this.settings);
    for (const k of cleared) delete next[k];
    for (const [k, v] of Object.entries(p.data)) {
      if (v === undefined) continue;
      if (k === 'upstream') {
        const old = new Map((this.settings.upstream ?? []).map((u) => [u.name, u.apiKey]));
        next.upstream = (v as z.output<typeof UpstreamPatch>[]).map(({ apiKey, ...u }) => {
          const key = typeof apiKey === 'string' ? apiKey : apiKey === null ? undefined : old.get(u.name);
          return key === undefined ? u : { ...u, apiKey: key };
        });
      } else if (k === 'models') {
        const models = { ...(this.settings.models ?? {}) };
        for (const [name, m] of Object.entries(v as Record<string, ModelLoadOptions | null>)) {
          if (m === null) delete models[name]; else models[name] = m;
        }
        next.models = models;
      } else next[k] = v;
    }
    const r = Settings.safeParse(next);
    if (!r.success) {
      const i = r.error.issues[0]!;
      throw hearthError('ERR_VALIDATION', `settings.${formatIssuePath(i.path)}: ${i.message}`);
    }
    this.settings = r.data;
    this.write();
    return this.get();
  }

  /** The settings as written to disk: upstream keys sealed when a SecretBox is set, or left out when it cannot seal. */
  private persisted(): Settings {
    const box = this.secrets;
    if (!box || !this.settings.upstream) return this.settings;
    const upstream = this.settings.upstream.map((u) => {
      if (u.apiKey === undefined || box.isSealed(u.apiKey)) return u;
      try { return { ...u, apiKey: box.seal(u.apiKey) }; } catch {
        const { apiKey: _memoryOnly, ...rest } = u; // no encryption: the key lives in memory for this session only
        return rest;
      }
    });
    return { ...this.settings, upstream };
  }

  private write(): void {
    writeFileAtomicSync(this.file, JSON.stringify(this.persisted(), null, 2) + '\n', { mode: 0o600, backup: true });
  }
}
