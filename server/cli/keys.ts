// Owns `hearth keys create|list|revoke`: API key management on `<data-dir>/keys.json` from the
// command line (a running server picks the change up within a second). `create` prints the new key
// alone on stdout.
import { parseArgs } from 'node:util';
import { defaultDataDir } from '../config/options.js';
import { KeyStore, type KeyInfo } from '../auth/key-store.js';
import type { CliIo } from './serve.js';

const USAGE = `usage:
  hearth keys create --name NAME [--rpm N] [--tpm N] [--models a,b] [--allow-spill]
  hearth keys list [--json]
  hearth keys revoke NAME
options: --data-dir DIR, --models-dir DIR (accepted, unused)
`;

function positiveInt(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1 || !Number.isSafeInteger(Number(v))) throw new Error(`--${flag} must be a positive integer, got "${v}"`);
  return Number(v);
}

function limitsText(k: KeyInfo): string {
  const parts = [k.limits.rpm ? `rpm=${k.limits.rpm}` : '', k.limits.tpm ? `tpm=${k.limits.tpm}` : '', k.limits.models ? `models=${k.limits.models.join(',')}` : '', k.allowSpill ? 'spill' : ''].filter(Boolean);
  return parts.join(' ') || '-';
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n') + '\n';
}

/** Runs `hearth keys ...` (argv after "keys"); returns the exit code. */
export async function runKeysCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: {
      'data-dir': { type: 'string' }, 'models-dir': { type: 'string' },
      name: { type: 'string' }, rpm: { type: 'string' }, tpm: { type: 'string' }, models: { type: 'string' },
      'allow-spill': { type: 'boolean' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  const [sub, ...args] = positionals;
  if (values.help || !sub) { (values.help ? io.stdout : io.stderr).write(USAGE); return values.help ? 0 : 2; }
  const dataDir = values['data-dir'] ?? (io.env.HEARTH_DATA_DIR || defaultDataDir());
  const store = KeyStore.open(dataDir, { watch: false });
  try {
    switch (sub) {
      case 'create': {
        const name = values.name ?? args[0];
        if (!name) { io.stderr.write(`hearth keys create: --name is required\n${USAGE}`); return 2; }
        const models = values.models?.split(',').map((m) => m.trim()).filter(Boolean);
        const { key } = await store.create({
          name, rpm: positiveInt('rpm', values.rpm), tpm: positiveInt('tpm', values.tpm),
          ...(models ? { models } : {}), allowSpill: values['allow-spill'] ?? false,
        });
        io.stdout.write(key + '\n');
        return 0;
      }
      case 'list': {
        const keys = store.list().filter((k) => !k.revokedAt);
        if (values.json) { io.stdout.write(JSON.stringify(keys.map(({ id, name, prefix, limits, allowSpill, createdAt, lastUsedAt }) => ({ id, name, prefix: `hth_${prefix}`, limits, allowSpill, createdAt, lastUsedAt }))) + '\n'); return 0; }
        if (keys.length === 0) { io.stderr.write('no keys\n'); return 0; }
        io.stdout.write(table([['NAME', 'PREFIX', 'LIMITS', 'CREATED', 'LAST USED'],
          ...keys.map((k) => [k.name, `hth_${k.prefix}…`, limitsText(k), k.createdAt, k.lastUsedAt ?? 'never'])]));
        return 0;
      }
      case 'revoke': {
        const name = args[0] ?? values.name;
        if (!name) { io.stderr.write(`hearth keys revoke: NAME is required\n${USAGE}`); return 2; }
        await store.revoke(name);
        io.stderr.write(`revoked ${name}\n`);
        return 0;
      }
      default:
        io.stderr.write(`hearth keys: unknown subcommand "${sub}"\n${USAGE}`);
        return 2;
    }
  } finally {
    await store.close();
  }
}
