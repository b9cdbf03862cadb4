// Owns `hearth models list|pull|rm|import`: parsing its flags, printing the catalog (one JSON array
// with --json), drawing pull progress (a bar on a TTY, plain lines when piped) and the exit code.
// Runnable standalone (`node --import tsx server/cli/models.ts ...`) until server/cli.ts routes to it.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { PullProgress } from '../contract/models.js';
import { resolveConfig } from '../config/options.js';
import { HearthError } from '../errors/catalog.js';
import { listModels } from '../models/catalog.js';
import { deleteModel, importModel } from '../models/manage.js';
import { pullModel } from '../models/pull.js';

/** Where the command writes, and what it reads from its environment. */
export interface ModelsCommandIo {
  stdout: { write(s: string): unknown };
  /** Progress and errors. `isTTY` decides between a bar and plain lines. */
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

const USAGE = `usage:
  hearth models list [--json]
  hearth models pull <http(s)-url|hf:owner/repo/file.gguf> [--sha256 HEX] [--name NAME]
  hearth models rm NAME
  hearth models import FILE [--name NAME] [--link]
common options: --data-dir DIR --models-dir DIR
`;

/** Human size: 1.2 MB. */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let i = 0; let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

function formatEta(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return '--';
  const t = Math.round(s);
  return t >= 3600 ? `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m` : t >= 60 ? `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s` : `${t}s`;
}

/** One progress bar line (no newline), e.g. `[#####-----]  50% 1.0 MB/2.0 MB 3.1 MB/s ETA 1s`. */
export function progressBar(p: PullProgress, width = 30): string {
  const frac = p.total ? Math.min(1, p.bytes / p.total) : 0;
  const fill = Math.round(frac * width);
  const pct = p.total ? `${String(Math.floor(frac * 100)).padStart(3)}%` : ' ?? %';
  return `[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${pct} ${formatBytes(p.bytes)}/${p.total !== null ? formatBytes(p.total) : '?'} ${formatBytes(p.speedBps)}/s ETA ${formatEta(p.etaS)}`;
}

/** One plain progress line, e.g. `progress 50% 1000000/2000000 bytes 3.1 MB/s eta 1s`. */
export function progressLine(p: PullProgress): string {
  const pct = p.total ? `${Math.floor((p.bytes / p.total) * 100)}%` : '?%';
  return `progress ${pct} ${p.bytes}/${p.total ?? '?'} bytes ${formatBytes(p.speedBps)}/s eta ${formatEta(p.etaS)}`;
}

/** Runs `hearth models ...` with `argv` after "models". Resolves with the exit code. */
export async function runModelsCommand(argv: string[], io: ModelsCommandIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: {
        'data-dir': { type: 'string' }, 'models-dir': { type: 'string' }, json: { type: 'boolean' },
        sha256: { type: 'string' }, name: { type: 'string' }, link: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr.write(`hearth models: ${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [sub, arg, ...rest] = positionals;
  if (values.help || !sub) { (values.help ? io.stdout : io.stderr).write(USAGE); return values.help ? 0 : 2; }
  let modelsDir: string; let hfEndpoint: string;
  try {
    const config = resolveConfig({ flags: { dataDir: values['data-dir'], modelsDir: values['models-dir'] }, env: io.env });
    modelsDir = path.resolve(config.modelsDir); hfEndpoint = config.hfEndpoint;
  } catch (err) {
    io.stderr.write(`hearth models: ${(err as Error).message}\n`);
    return 2;
  }
  try {
    switch (sub) {
      case 'list': case 'ls': {
        const models = await listModels(modelsDir);
        if (values.json) { io.stdout.write(JSON.stringify(models) + '\n'); return 0; }
        if (models.length === 0) { io.stdout.write(`no models in ${modelsDir}\n`); return 0; }
        for (const m of models) {
          const meta = m.metadata;
          const desc = m.valid
            ? [meta?.architecture, meta?.quantization, meta?.contextLength ? `ctx ${meta.contextLength}` : undefined, meta?.hasChatTemplate ? 'chat' : undefined].filter(Boolean).join(' ')
            : `INVALID: ${m.reason}`;
          io.stdout.write(`${m.name}\t${formatBytes(m.size)}\t${desc}\n`);
        }
        return 0;
      }
      case 'pull': {
        if (!arg || rest.length) { io.stderr.write(USAGE); return 2; }
        const tty = Boolean(io.stderr.isTTY);
        let lastPct = -1; let lastLineAt = 0; let drew = false;
        const onProgress = (p: PullProgress) => {
          if (tty) { io.stderr.write(`\r${progressBar(p)}\x1b[K`); drew = true; return; }
          const pct = p.total ? Math.floor((p.bytes / p.total) * 10) : -1; // a line per 10%, or every 2 s
          const now = Date.now();
          if (pct !== lastPct || now - lastLineAt >= 2000 || (p.total !== null && p.bytes === p.total)) {
            lastPct = pct; lastLineAt = now;
            io.stderr.write(progressLine(p) + '\n');
          }
        };
        const onVerifying = () => { io.stderr.write(tty ? `${drew ? '\n' : ''}verifying...\n` : 'verifying\n'); drew = false; };
        // Ctrl-C cancels the pull (and removes the partial file) unless the caller brings its own signal.
        const ac = io.signal ? undefined : new AbortController();
        const stop = () => ac?.abort();
        if (ac) { process.once('SIGINT', stop); process.once('SIGTERM', stop); }
        try {
          const r = await pullModel({ source: arg, modelsDir, sha256: values.sha256, name: values.name, signal: io.signal ?? ac?.signal, onProgress, onVerifying, hfEndpoint });
          io.stdout.write(`pulled ${r.name} (${formatBytes(r.size)}, sha256 ${r.sha256}) to ${r.file}\n`);
          return 0;
        } finally {
          if (ac) { process.off('SIGINT', stop); process.off('SIGTERM', stop); }
          if (drew) io.stderr.write('\n');
        }
      }
      case 'rm': case 'remove': case 'delete': {
        if (!arg || rest.length) { io.stderr.write(USAGE); return 2; }
        // The CLI cannot see a running server's engine; the server's admin route checks use.
        await deleteModel({ modelsDir, name: arg, inUse: () => false });
        io.stdout.write(`removed ${arg}\n`);
        return 0;
      }
      case 'import': {
        if (!arg || rest.length) { io.stderr.write(USAGE); return 2; }
        const r = await importModel({ src: arg, modelsDir, name: values.name, mode: values.link ? 'link' : 'copy' });
        io.stdout.write(`imported ${r.name} (${formatBytes(r.size)}) to ${r.file}\n`);
        return 0;
      }
      default:
        io.stderr.write(`hearth models: unknown command "${sub}"\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    const msg = err instanceof HearthError ? `${err.message} (${err.code})` : (err as Error).message ?? String(err);
    io.stderr.write(`hearth models ${sub}: ${msg}\n`);
    return 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2);
  if (args[0] === 'models') args.shift();
  runModelsCommand(args, { stdout: process.stdout, stderr: process.stderr, env: process.env })
    .then((code) => { process.exitCode = code; });
}
