// Owns `npm start`: finds Electron's binary, builds (tsc, then the renderer when it has a Vite
// config) and launches the desktop app. Never downloads anything: where the binary is missing it
// says so and points to `npm run serve` (the same server and web UI, headless), exiting 1.
// `--dry-run` only checks and prints what it would run.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

/**
 * Where Electron's binary is, read the way the `electron` package does (its `path.txt` and
 * `dist/`, or ELECTRON_OVERRIDE_DIST_PATH) but without requiring the package: requiring it
 * starts a download when the binary is missing.
 */
export function findElectronBinary(electronDir: string | undefined, env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  if (!electronDir) return { found: false, reason: 'the electron package is not installed (node_modules/electron is missing)' };
  const pathFile = path.join(electronDir, 'path.txt');
  const rel = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : undefined;
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const p = path.join(override, rel || 'electron');
    return existsSync(p) ? { found: true, path: p } : { found: false, reason: `ELECTRON_OVERRIDE_DIST_PATH has no Electron binary (${p} does not exist)` };
  }
  if (!rel) return { found: false, reason: `the Electron binary is not installed (${pathFile} is missing: the binary was never downloaded)` };
  const p = path.join(electronDir, 'dist', rel);
  return existsSync(p) ? { found: true, path: p } : { found: false, reason: `the Electron binary is not installed (${p} does not exist)` };
}

/** The message printed when Electron cannot be launched. */
export function missingElectronMessage(reason: string): string {
  return [
    `hearth: cannot start the desktop app: ${reason}.`,
    'Electron\'s binary is not part of its npm package: it is downloaded on first use, which needs',
    'internet access (with it: `node node_modules/electron/install.js`). Nothing was downloaded now.',
    'Run the same server and web UI without the desktop shell instead:',
    '',
    '  npm run serve',
    '',
    'then open the printed http://127.0.0.1:PORT address in a browser.',
  ].join('\n');
}

/**
 * The build steps `npm start` runs before launching, as [command, args] pairs: the TypeScript
 * compiler, then Vite when renderer/ has a config. Run with this Node, not through npx.
 */
export function buildSteps(root: string): Array<[string, string[]]> {
  const req = createRequire(path.join(root, 'package.json'));
  const steps: Array<[string, string[]]> = [[process.execPath, [req.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']]];
  const vite = ['vite.config.ts', 'vite.config.js', 'vite.config.mjs'].map((f) => path.join('renderer', f)).find((f) => existsSync(path.join(root, f)));
  if (vite) steps.push([process.execPath, [path.join(path.dirname(req.resolve('vite/package.json')), 'bin', 'vite.js'), 'build', '--config', vite]]);
  return steps;
}

function electronPackageDir(root: string): string | undefined {
  try {
    return path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

export function runLaunch(argv: string[], root: string, io: { out: (s: string) => void; err: (s: string) => void } = { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') }): Promise<number> {
  const dryRun = argv.includes('--dry-run');
  const electron = findElectronBinary(electronPackageDir(root));
  if (!electron.found) {
    io.err(missingElectronMessage(electron.reason));
    return Promise.resolve(1);
  }
  const steps = buildSteps(root);
  const appArgs = argv.filter((a) => a !== '--dry-run');
  if (dryRun) {
    for (const [cmd, args] of steps) io.out(`would run: ${cmd} ${args.join(' ')}`);
    io.out(`would run: ${electron.path} . ${appArgs.join(' ')}`.trimEnd());
    return Promise.resolve(0);
  }
  for (const [cmd, args] of steps) {
    io.out(`hearth: ${cmd} ${args.join(' ')}`);
    const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
    if (r.status !== 0) {
      io.err(`hearth: build step failed: ${cmd} ${args.join(' ')} (exit ${r.status ?? r.signal})`);
      return Promise.resolve(1);
    }
  }
  return new Promise((resolve) => {
    const child = spawn(electron.path, ['.', ...appArgs], { cwd: root, stdio: 'inherit' });
    child.on('error', (err) => { io.err(`hearth: could not launch Electron: ${err.message}`); resolve(1); });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  void runLaunch(process.argv.slice(2), root).then((code) => { process.exitCode = code; });
}
