import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSteps, findElectronBinary, missingElectronMessage } from '../../../app/launch.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

test('npm start without the Electron binary says so, points to npm run serve, exits 1', () => {
  // An empty override dir makes the binary missing on every machine; nothing is downloaded.
  const empty = mkdtempSync(path.join(os.tmpdir(), 'hearth-no-electron-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'app/launch.ts', '--dry-run'], {
      cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: empty },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /cannot start the desktop app/);
    assert.match(r.stderr, /Electron binary/i);
    assert.match(r.stderr, /npm run serve/);
    assert.doesNotMatch(r.stdout + r.stderr, /Downloading Electron/);
  } finally { rmSync(empty, { recursive: true, force: true }); }
});

test('on this checkout, without an override, the missing binary is reported the same way', () => {
  const env = { ...process.env };
  delete env.ELECTRON_OVERRIDE_DIST_PATH;
  const found = findElectronBinary(path.join(ROOT, 'node_modules', 'electron'), env);
  if (found.found) return; // a machine with Electron installed: nothing to check here
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'app/launch.ts', '--dry-run'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /npm run serve/);
});

test('findElectronBinary reads path.txt and dist/ like the electron package', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-electron-pkg-'));
  try {
    const none = findElectronBinary(dir, {});
    assert.equal(none.found, false);
    assert.match(!none.found ? none.reason : '', /path\.txt is missing/);
    writeFileSync(path.join(dir, 'path.txt'), 'electron');
    const absent = findElectronBinary(dir, {});
    assert.equal(absent.found, false);
    mkdirSync(path.join(dir, 'dist'));
    writeFileSync(path.join(dir, 'dist', 'electron'), '');
    assert.deepEqual(findElectronBinary(dir, {}), { found: true, path: path.join(dir, 'dist', 'electron') });
    const override = mkdtempSync(path.join(os.tmpdir(), 'hearth-electron-override-'));
    try {
      assert.equal(findElectronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: override }).found, false);
      writeFileSync(path.join(override, 'electron'), '');
      assert.deepEqual(findElectronBinary(dir, { ELECTRON_OVERRIDE_DIST_PATH: override }), { found: true, path: path.join(override, 'electron') });
    } finally { rmSync(override, { recursive: true, force: true }); }
    assert.equal(findElectronBinary(undefined, {}).found, false);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the message names the fallback', () => {
  assert.match(missingElectronMessage('x'), /^hearth: cannot start the desktop app: x\./);
  assert.match(missingElectronMessage('x'), /\n {2}npm run serve\n/);
});

test('the build runs tsc with this Node, and Vite only when renderer/ has a config', () => {
  const steps = buildSteps(ROOT);
  assert.equal(steps[0]![0], process.execPath);
  assert.match(steps[0]![1][0]!, /typescript[\\/]bin[\\/]tsc$/);
  assert.deepEqual(steps[0]![1].slice(1), ['-p', 'tsconfig.json']);
  const viteConfig = ['ts', 'js', 'mjs'].some((e) => existsSync(path.join(ROOT, 'renderer', `vite.config.${e}`)));
  assert.equal(steps.length, viteConfig ? 2 : 1);
  if (viteConfig) assert.match(steps[1]![1][0]!, /vite[\\/]bin[\\/]vite\.js$/);
});

test('with a binary present, --dry-run prints the build and launch it would run, and exits 0', () => {
  const fake = mkdtempSync(path.join(os.tmpdir(), 'hearth-fake-electron-'));
  try {
    writeFileSync(path.join(fake, 'electron'), '');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'app/launch.ts', '--dry-run', '--hidden'], {
      cwd: ROOT, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: fake },
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /would run: .*tsc -p tsconfig\.json/);
    assert.ok(r.stdout.includes(`would run: ${path.join(fake, 'electron')} . --hidden`), r.stdout);
  } finally { rmSync(fake, { recursive: true, force: true }); }
});
