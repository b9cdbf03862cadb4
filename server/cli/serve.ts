// Owns `hearth serve`: flags (one per option of server/config/options.ts) over env over saved
// settings; prints exactly one `hearth listening on http://HOST:PORT` line on stdout; drains on
// SIGINT/SIGTERM and exits 0.
import { parseArgs } from 'node:util';
import { OPTIONS, kebab, resolveConfig, defaultDataDir, type OptionName } from '../config/options.js';
import { SettingsStore } from '../state/settings-store.js';
import { startServer } from '../index.js';

export interface CliIo { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env: NodeJS.ProcessEnv }

export function serveFlagSpec() {
  const spec: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, d] of Object.entries(OPTIONS)) {
    if (d.flag === 'none') continue;
    if (name === 'upstream') { spec[kebab(name)] = { type: 'string', multiple: true }; continue; }
    spec[kebab(name)] = { type: d.flag === 'boolean' ? 'boolean' : 'string' };
  }
  spec.help = { type: 'boolean' };
  return spec;
}

export function serveUsage(): string {
  const lines = Object.entries(OPTIONS).map(([n, d]) => `  --${kebab(n).padEnd(22)} ${d.doc} (env ${d.env})`);
  return `usage: hearth serve [options]\n${lines.join('\n')}\n`;
}

export async function runServe(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: serveFlagSpec(), allowPositionals: false, strict: true });
  if (values.help) { io.stdout.write(serveUsage()); return 0; }
  const flags: Record<string, unknown> = {};
  for (const name of Object.keys(OPTIONS) as OptionName[]) {
    const v = (values as Record<string, unknown>)[kebab(name)];
    if (v !== undefined) flags[name] = v;
  }
  const dataDir = (flags.dataDir as string | undefined) ?? io.env.HEARTH_DATA_DIR ?? defaultDataDir();
  const settings = SettingsStore.open(dataDir);
  if (settings.warning) io.stderr.write(`hearth: ${settings.warning}\n`);
  const config = resolveConfig({ flags: { ...flags, dataDir }, env: io.env, settings: settings.get() as Record<string, unknown> });
  const server = await startServer(config, { settings });
  if (server.adminTokenBanner) io.stderr.write(server.adminTokenBanner + '\n');
  io.stdout.write(`hearth listening on ${server.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => {
      io.stderr.write(`hearth: ${sig} received, draining in-flight requests\n`);
      server.close().then(resolve, resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  return 0;
}
