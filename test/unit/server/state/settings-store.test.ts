import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SettingsStore } from '../../../../server/state/settings-store.js';
import { resolveConfig } from '../../../../server/config/options.js';

const tmpDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-settings-'));
const CANARY = 'sk-canary-upstream-9f8e7d6c5b4a';

test('settings persist atomically (0600), reopen equal, and feed resolveConfig', () => {
  const dir = tmpDir();
  try {
    const s = SettingsStore.open(dir);
    assert.deepEqual(s.get(), {});
    s.update({ port: 8080, maxQueue: 3, keepAlive: '5m', allowedHosts: ['box.lan'], models: { tiny: { contextSize: 512, gpuLayers: 'auto' } } });
    const f = path.join(dir, 'settings.json');
    if (process.platform !== 'win32') assert.equal(fs.statSync(f).mode & 0o777, 0o600);
    const again = SettingsStore.open(dir).get();
    assert.equal(again.port, 8080);
    assert.equal(again.keepAlive, 300_000);
    assert.deepEqual(again.models, { tiny: { contextSize: 512, gpuLayers: 'auto' } });
    const cfg = resolveConfig({ settings: again, env: {} });
    assert.equal(cfg.port, 8080);
    assert.equal(cfg.maxQueue, 3);
    s.update({ port: null, models: { tiny: null } });
    assert.equal(s.get().port, undefined);
    assert.deepEqual(s.get().models, {});
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('invalid updates name the field and change nothing', () => {
  const dir = tmpDir();
  try {
    const s = SettingsStore.open(dir);
    assert.throws(() => s.update({ port: 70000 }), (e: Error) => e.message.includes('port'));
    assert.throws(() => s.update({ nonsense: 1 }), (e: Error) => e.message.includes('nonsense'));
    assert.throws(() => s.update({ models: { m: { gpuLayers: -1 } } }), (e: Error) => e.message.includes('models.m.gpuLayers'));
    assert.deepEqual(s.get(), {});
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('upstream apiKey is redacted as {set:true} and kept when a patch omits it', () => {
  const dir = tmpDir();
  try {
    const s = SettingsStore.open(dir);
    s.update({ upstream: [{ name: 'oa', kind: 'openai', url: 'https://api.openai.com/v1', apiKey: CANARY }] });
    const red = s.redacted();
    assert.ok(!JSON.stringify(red).includes(CANARY));
    assert.deepEqual(red.upstream?.[0]?.apiKey, { set: true });
    // the UI sends back what it got (redacted): the key stays
    s.update({ upstream: red.upstream!.map((u) => ({ ...u, concurrency: 2 })) });
    assert.equal(s.get().upstream?.[0]?.apiKey, CANARY);
    assert.equal(s.get().upstream?.[0]?.concurrency, 2);
    s.update({ upstream: [{ name: 'oa', kind: 'openai', url: 'https://api.openai.com/v1', apiKey: null }] });
    assert.equal(s.get().upstream?.[0]?.apiKey, undefined);
    assert.deepEqual(s.redacted().upstream?.[0]?.apiKey, { set: false });
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('a corrupt settings file: start from the backup and say so; no backup: error naming file and field', () => {
  const dir = tmpDir();
  try {
    const f = path.join(dir, 'settings.json');
    SettingsStore.open(dir).update({ port: 9000 });
    fs.writeFileSync(f, JSON.stringify({ port: 'abc' }));
    const s = SettingsStore.open(dir);
    assert.equal(s.get().port, 9000);
    assert.ok(s.warning && s.warning.includes(f) && s.warning.includes('port') && s.warning.includes('backup'));
    assert.equal(JSON.parse(fs.readFileSync(f, 'utf8')).port, 9000, 'the main file is good again');
    fs.writeFileSync(f, JSON.stringify({ maxQueue: -1 }));
    fs.rmSync(`${f}.bak`);
    assert.throws(() => SettingsStore.open(dir), (e: Error) => e.message.includes(f) && e.message.includes('maxQueue'));
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

/** A fake SecretBox: reversible, visibly sealed, and able to refuse. */
const fakeBox = (opts: { canSeal?: boolean; canOpen?: boolean } = {}) => ({
  seal: (p: string) => { if (opts.canSeal === false) throw new Error('no encryption'); return `sealed:${Buffer.from(p).toString('base64')}`; },
  open: (s: string) => { if (opts.canOpen === false) throw new Error('keychain changed'); return Buffer.from(s.slice(7), 'base64').toString(); },
  isSealed: (v: string) => v.startsWith('sealed:'),
});

test('with a SecretBox, upstream keys are sealed on disk and plain in memory, also after reopening', () => {
  const dir = tmpDir();
  try {
    const s = SettingsStore.open(dir, { secrets: fakeBox() });
    s.update({ upstream: [{ name: 'oa', kind: 'openai', url: 'https://api.openai.com/v1', apiKey: CANARY }, { name: 'ol', kind: 'ollama', url: 'http://127.0.0.1:11434' }] });
    const raw = fs.readFileSync(path.join(dir, 'settings.json'), 'utf8');
    assert.ok(!raw.includes(CANARY), 'the key is not on disk in the clear');
    const onDisk = JSON.parse(raw) as { upstream: Array<{ apiKey?: string }> };
    assert.match(onDisk.upstream[0]!.apiKey!, /^sealed:/);
    assert.equal(onDisk.upstream[1]!.apiKey, undefined);
    assert.equal(s.get().upstream?.[0]?.apiKey, CANARY);
    const again = SettingsStore.open(dir, { secrets: fakeBox() });
    assert.equal(again.get().upstream?.[0]?.apiKey, CANARY);
    assert.equal(again.warning, undefined);
    // a later unrelated update keeps it sealed (never double-sealed, never plain)
    again.update({ port: 9000 });
    const reread = SettingsStore.open(dir, { secrets: fakeBox() }).get();
    assert.equal(reread.upstream?.[0]?.apiKey, CANARY);
    assert.ok(!fs.readFileSync(path.join(dir, 'settings.json'), 'utf8').includes(CANARY));
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('a plain key saved before sealing is sealed on the next write', () => {
  const dir = tmpDir();
  try {
    SettingsStore.open(dir).update({ upstream: [{ name: 'oa', kind: 'openai', url: 'https://api.openai.com/v1', apiKey: CANARY }] });
    assert.ok(fs.readFileSync(path.join(dir, 'settings.json'), 'utf8').includes(CANARY));
    const s = SettingsStore.open(dir, { secrets: fakeBox() });
    assert.equal(s.get().upstream?.[0]?.apiKey, CANARY);
    s.update({ maxQueue: 4 });
    assert.ok(!fs.readFileSync(path.join(dir, 'settings.json'), 'utf8').includes(CANARY));
    assert.equal(SettingsStore.open(dir, { secrets: fakeBox() }).get().upstream?.[0]?.apiKey, CANARY);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test('a box that cannot seal keeps the key in memory only; one that cannot open drops it and says so', () => {
  const dir = tmpDir();
  try {
    const s = SettingsStore.open(dir, { secrets: fakeBox({ canSeal: false }) });
    s.update({ upstream: [{ name: 'oa', kind: 'openai', url: 'https://api.openai.com/v1', apiKey: CANARY }] });
    assert.equal(s.get().upstream?.[0]?.apiKey, CANARY, 'usable this session');
    const raw = fs.readFileSync(path.join(dir, 'settings.json'), 'utf8');
    assert.ok(!raw.includes(CANARY), 'never written');
    assert.equal((JSON.parse(raw) as { upstream: Array<{ apiKey?: string }> }).upstream[0]!.apiKey, undefined);

    SettingsStore.open(dir, { secrets: fakeBox() }).update({ upstream: [{ name: 'oa', kind: 'openai', url: 'https://api.openai.com/v1', apiKey: CANARY }] });
    const broken = SettingsStore.open(dir, { secrets: fakeBox({ canOpen: false }) });
    assert.equal(broken.get().upstream?.[0]?.apiKey, undefined, 'an unopenable value is never used as a key');
    assert.match(broken.warning ?? '', /upstream\.0\.apiKey.*"oa"/);
    assert.ok(!(broken.warning ?? '').includes('sealed:'));
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});
