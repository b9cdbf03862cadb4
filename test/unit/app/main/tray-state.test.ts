import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TRAY_ICONS, trayIconFile, trayStateFor } from '../../../../app/main/tray-state.js';
import { ServerState } from '../../../../server/contract/ipc.js';

const URL_ = 'http://127.0.0.1:7433';
const RESOURCES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../resources');

test('the icon follows the server state', () => {
  assert.equal(trayStateFor({ state: 'ready' }).icon, 'ready');
  assert.equal(trayStateFor({ state: 'busy' }).icon, 'busy');
  assert.equal(trayStateFor({ state: 'loading', reason: 'loading tiny' }).icon, 'loading');
  assert.equal(trayStateFor({ state: 'starting' }).icon, 'loading');
  assert.equal(trayStateFor({ state: 'error', reason: 'engine worker exited (SIGKILL)' }).icon, 'error');
  assert.equal(trayStateFor({ state: 'stopped' }).icon, 'stopped');
  assert.equal(trayStateFor(undefined).icon, 'stopped', 'not started yet');
});

test('every state in the contract has an icon file in resources/tray', () => {
  for (const state of ServerState.options) {
    const { icon } = trayStateFor({ state });
    assert.ok(TRAY_ICONS.includes(icon));
    for (const scale of [1, 2] as const) assert.ok(existsSync(path.join(RESOURCES, trayIconFile(icon, scale))), `${icon}@${scale}`);
  }
});

test('the tooltip says the state, the reason and the URL', () => {
  assert.equal(trayStateFor({ state: 'ready' }, { url: URL_ }).tooltip, `Hearth: ready, ${URL_}`);
  const err = trayStateFor({ state: 'error', reason: 'engine worker exited (SIGKILL)' }, { url: URL_ });
  assert.match(err.tooltip, /error \(engine worker exited \(SIGKILL\)\)/);
  assert.doesNotMatch(err.tooltip, /127\.0\.0\.1/, 'a failed server has no URL to offer');
  assert.match(trayStateFor({ state: 'loading', reason: 'loading model tiny' }).tooltip, /loading a model… \(loading model tiny\)/);
  assert.ok(trayStateFor({ state: 'error', reason: 'x'.repeat(500) }).tooltip.length <= 120, 'clipped');
});

test('a warning shows in the tooltip', () => {
  const t = trayStateFor({ state: 'ready' }, { warnings: [{ code: 'SECRETS_PLAINTEXT', message: 'No keyring' }] });
  assert.match(t.tooltip, /⚠ No keyring/);
});

test('the menu offers stop while running and start while stopped or failed', () => {
  for (const state of ['ready', 'busy', 'loading', 'starting'] as const) {
    assert.deepEqual(trayStateFor({ state }).menu.toggleServer, { label: 'Stop server', action: 'stop', enabled: true }, state);
  }
  for (const state of ['stopped', 'error'] as const) {
    assert.deepEqual(trayStateFor({ state }).menu.toggleServer, { label: 'Start server', action: 'start', enabled: true }, state);
  }
  assert.equal(trayStateFor({ state: 'ready' }, { transition: true }).menu.toggleServer.enabled, false, 'disabled mid-transition');
});

test('open window is enabled only when there is a UI to show', () => {
  assert.equal(trayStateFor({ state: 'ready' }).menu.open.enabled, true);
  assert.equal(trayStateFor({ state: 'busy' }).menu.open.enabled, true);
  assert.equal(trayStateFor({ state: 'starting' }).menu.open.enabled, false);
  assert.equal(trayStateFor({ state: 'stopped' }).menu.open.enabled, false);
  assert.equal(trayStateFor({ state: 'error' }).menu.open.enabled, false);
});

test('the option checkboxes reflect the settings; quit is always there', () => {
  const t = trayStateFor({ state: 'ready' }, { startAtLogin: true, closeToTray: false });
  assert.equal(t.menu.startAtLogin.checked, true);
  assert.equal(t.menu.closeToTray.checked, false);
  assert.equal(t.menu.quit.label, 'Quit Hearth');
  assert.equal(trayStateFor({ state: 'ready' }).menu.closeToTray.checked, true, 'close to tray by default');
});
