// Validates electron-builder.yml with electron-builder's own loader and schema (app-builder-lib,
// a dependency of electron-builder), then checks the choices Hearth depends on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(path.join(ROOT, 'package.json'));

interface BuilderConfig {
  appId?: string; productName?: string; npmRebuild?: boolean; asarUnpack?: string[]; files?: Array<string | { from?: string; filter?: string[] }>;
  directories?: { output?: string; buildResources?: string };
  extraResources?: Array<{ from: string; to: string }>;
  electronFuses?: Record<string, boolean>;
  linux?: { target?: string[]; icon?: string }; win?: { target?: string[]; icon?: string }; mac?: { target?: string[]; icon?: string };
}
const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  getConfig(projectDir: string, configPath: string | null, configFromOptions: unknown): Promise<BuilderConfig>;
  validateConfiguration(config: unknown, debugLogger: unknown): Promise<void>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
// electron-builder logs to stdout, which node's test runner reads as its own protocol (a line written
// into a protocol message breaks the run): its logger writes to stderr instead.
(require('builder-util/out/log.js') as { log: { stream: NodeJS.WritableStream } }).log.stream = process.stderr;
const { Minimatch } = require(require.resolve('minimatch', { paths: [require.resolve('app-builder-lib')] })) as typeof import('minimatch');

const load = () => getConfig(ROOT, path.join(ROOT, 'electron-builder.yml'), null);
/** The app-root `files` patterns (electron-builder normalizes them to `[{ filter: [...] }]`). */
const filePatterns = (c: BuilderConfig): string[] =>
  (c.files ?? []).flatMap((f) => (typeof f === 'string' ? [f] : f.from === undefined || f.from === '.' ? f.filter ?? [] : []));

test('electron-builder.yml passes electron-builder\'s own schema validation', async () => {
  const config = await load();
  await validateConfiguration(config, new DebugLogger(false));
  await assert.rejects(validateConfiguration({ ...config, notAnOption: 1 }, new DebugLogger(false)), /unknown property 'notAnOption'/, 'the validator does reject');
});

test('identity, targets and icons', async () => {
  const c = await load();
  assert.equal(c.productName, 'Hearth');
  assert.match(c.appId ?? '', /^[a-z0-9]+(\.[a-z0-9-]+)+$/);
  assert.deepEqual(c.linux?.target, ['AppImage', 'deb']);
  assert.deepEqual(c.win?.target, ['nsis']);
  assert.deepEqual(c.mac?.target, ['dmg']);
  for (const p of [c.linux, c.win, c.mac]) {
    assert.ok(p?.icon?.startsWith('resources/'), String(p?.icon));
    assert.ok(existsSync(path.join(ROOT, p.icon!)), p.icon);
  }
  assert.equal(c.directories?.buildResources, 'resources');
  assert.notEqual(c.directories?.output, 'dist', 'installers must not land in tsc\'s outDir');
  for (const r of c.extraResources ?? []) assert.ok(existsSync(path.join(ROOT, r.from)), r.from);
});

test('no native rebuild; node-llama-cpp binaries are unpacked from the asar', async () => {
  const c = await load();
  assert.equal(c.npmRebuild, false);
  assert.ok(c.asarUnpack?.includes('node_modules/node-llama-cpp/**'));
  assert.ok(c.asarUnpack?.includes('node_modules/@node-llama-cpp/**'));
  assert.equal(c.electronFuses?.runAsNode, true, 'the engine worker is forked with ELECTRON_RUN_AS_NODE');
});

test('the files patterns keep only the target platform\'s llama.cpp prebuilts', async () => {
  const c = await load();
  const prebuilts = ['linux-x64', 'linux-x64-cuda', 'linux-x64-cuda-ext', 'linux-x64-vulkan', 'linux-arm64', 'linux-armv7l', 'mac-arm64-metal', 'mac-x64', 'win-x64', 'win-x64-cuda', 'win-x64-cuda-ext', 'win-x64-vulkan', 'win-arm64'];
  // electron-builder applies only the exclusions of `files` to node_modules, in order, after `**/*`.
  const excludes = filePatterns(c).filter((p) => p.startsWith('!'));
  const kept = (os: string, arch: string) => {
    const pats = ['**/*', ...excludes].map((p) => new Minimatch(p.replaceAll('${os}', os).replaceAll('${arch}', arch), { dot: true }));
    return prebuilts.filter((dir) => {
      const file = `node_modules/@node-llama-cpp/${dir}/bins/${dir}/llama-addon.node`;
      let match = false;
      for (const m of pats) { if (match !== m.negate) continue; match = m.match(file); }
      return match;
    });
  };
  assert.deepEqual(kept('linux', 'x64'), ['linux-x64', 'linux-x64-cuda', 'linux-x64-cuda-ext', 'linux-x64-vulkan']);
  assert.deepEqual(kept('linux', 'arm64'), ['linux-arm64']);
  assert.deepEqual(kept('win', 'x64'), ['win-x64', 'win-x64-cuda', 'win-x64-cuda-ext', 'win-x64-vulkan']);
  assert.deepEqual(kept('mac', 'arm64'), ['mac-arm64-metal']);
  assert.deepEqual(kept('mac', 'x64'), ['mac-x64']);
});

test('the app files are the build outputs, and package.json main is among them', async () => {
  const c = await load();
  for (const p of ['package.json', 'dist/server/**/*', 'dist/app/**/*', 'renderer/dist/**/*']) assert.ok(filePatterns(c).includes(p), p);
  const pkg = require(path.join(ROOT, 'package.json')) as { main: string };
  assert.ok(new Minimatch('dist/app/**/*').match(pkg.main), pkg.main);
});
