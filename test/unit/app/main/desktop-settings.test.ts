import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { desktopSettingsPath, loadDesktopSettings, loginItemSettings, saveDesktopSettings } from '../../../../app/main/desktop-settings.js';

test('defaults when missing; saved settings load back', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-desktop-'));
  try {
    assert.deepEqual(loadDesktopSettings(dir), { settings: { startAtLogin: false, closeToTray: true } });
    saveDesktopSettings(dir, { startAtLogin: true, closeToTray: false });
    assert.deepEqual(loadDesktopSettings(dir), { settings: { startAtLogin: true, closeToTray: false } });
    assert.deepEqual(JSON.parse(readFileSync(desktopSettingsPath(dir), 'utf8')), { startAtLogin: true, closeToTray: false });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('a bad file names the field and falls back to the last good backup', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-desktop-'));
  try {
    writeFileSync(desktopSettingsPath(dir), JSON.stringify({ startAtLogin: 'yes' }));
    assert.throws(() => loadDesktopSettings(dir), /startAtLogin/);
    saveDesktopSettings(dir, { startAtLogin: true, closeToTray: true });
    writeFileSync(desktopSettingsPath(dir), '{ not json');
    const r = loadDesktopSettings(dir);
    assert.deepEqual(r.settings, { startAtLogin: true, closeToTray: true });
    assert.match(r.warning ?? '', /not valid JSON/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('login item settings start hidden in the tray', () => {
  assert.deepEqual(loginItemSettings({ startAtLogin: true, closeToTray: true }), { openAtLogin: true, openAsHidden: true, args: ['--hidden'] });
  assert.equal(loginItemSettings({ startAtLogin: false, closeToTray: true }).openAtLogin, false);
});
