// Owns the Electron main process: single-instance lock, the embedded server's lifecycle (through
// ServerController), the secure BrowserWindow, the tray, the IPC handlers and quitting cleanly.
// Thin: every decision lives in a pure module beside this one (window-options, external-links,
// tray-state, ipc, secrets, desktop-settings, server-controller, paths).
import { app, BrowserWindow, Menu, Tray, ipcMain, nativeImage, safeStorage, session, shell } from 'electron';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultDataDir, resolveConfig } from '../../server/config/options.js';
import { IPC_CHANNELS, type AppWarning, type StatusEvent } from '../../server/contract/ipc.js';
import { startServer } from '../../server/index.js';
import { SettingsStore } from '../../server/state/settings-store.js';
import { loadDesktopSettings, loginItemSettings, saveDesktopSettings, type DesktopSettings } from './desktop-settings.js';
import { isSafeExternalUrl } from './external-links.js';
import { createIpcHandlers, registerIpcHandlers } from './ipc.js';
import { appPaths, windowUrlFor } from './paths.js';
import { createSecretBox } from './secrets.js';
import { ServerController } from './server-controller.js';
import { trayIconFile, trayStateFor } from './tray-state.js';
import { allowPermission, isAllowedNavigation, originOf, windowOptions, withCsp } from './window-options.js';

const paths = appPaths({ mainDir: path.dirname(fileURLToPath(import.meta.url)), isPackaged: app.isPackaged, resourcesPath: process.resourcesPath });
const startHidden = process.argv.includes('--hidden');

let window: BrowserWindow | undefined;
let tray: Tray | undefined;
let quitting = false;
let settings: DesktopSettings = { startAtLogin: false, closeToTray: true };
const warnings: AppWarning[] = [];

const controller = new ServerController(async (port) => {
  // Same sources as `hearth serve` (env HEARTH_* over the saved settings over the defaults), so
  // the desktop and the CLI share one data dir; loopback unless the settings turn the LAN on.
  const dataDir = process.env.HEARTH_DATA_DIR || defaultDataDir();
  // Upstream keys are sealed at rest with the OS key store (safeStorage is usable: this runs after ready).
  const store = SettingsStore.open(dataDir, { secrets: createSecretBox(safeStorage, process.platform) });
  if (store.warning) warnings.push({ code: 'SETTINGS_FROM_BACKUP', message: store.warning.slice(0, 2000) });
  const config = resolveConfig({ flags: { dataDir, ...(port === undefined ? {} : { port }) }, env: process.env, settings: store.get() as Record<string, unknown> });
  return startServer(config, { settings: store });
});

function serverOrigin(): string | undefined {
  const url = controller.url();
  return url ? originOf(windowUrlFor(url)) : undefined;
}

function statusEvent(): StatusEvent {
  return { server: controller.status(), warnings: [...warnings] };
}

function refresh(): void {
  const state = trayStateFor(controller.status(), {
    ...(controller.url() ? { url: controller.url()! } : {}),
    startAtLogin: settings.startAtLogin,
    closeToTray: settings.closeToTray,
    warnings,
    transition: controller.inTransition(),
  });
  if (tray) {
    tray.setImage(nativeImage.createFromPath(path.join(paths.resources, trayIconFile(state.icon))));
    tray.setToolTip(state.tooltip);
    tray.setContextMenu(Menu.buildFromTemplate([
      { label: state.statusLine, enabled: false },
      ...warnings.map((w) => ({ label: `⚠ ${w.message.slice(0, 80)}…`, enabled: false })),
      { type: 'separator' },
      { label: state.menu.open.label, enabled: state.menu.open.enabled, click: () => showWindow() },
      {
        label: state.menu.toggleServer.label,
        enabled: state.menu.toggleServer.enabled,
        click: () => { void (state.menu.toggleServer.action === 'start' ? controller.startServer() : controller.stopServer()); refresh(); },
      },
      { type: 'separator' },
      { label: state.menu.startAtLogin.label, type: 'checkbox', checked: state.menu.startAtLogin.checked, click: (item) => updateSettings({ startAtLogin: item.checked }) },
      { label: state.menu.closeToTray.label, type: 'checkbox', checked: state.menu.closeToTray.checked, click: (item) => updateSettings({ closeToTray: item.checked }) },
      { type: 'separator' },
      { label: state.menu.quit.label, click: () => app.quit() },
    ]));
  }
  const origin = serverOrigin();
  if (window && !window.isDestroyed() && origin && originOf(window.webContents.getURL()) === origin) {
    window.webContents.send(IPC_CHANNELS.statusEvent, statusEvent());
  }
}

function updateSettings(patch: Partial<DesktopSettings>): void {
  settings = { ...settings, ...patch };
  saveDesktopSettings(app.getPath('userData'), settings);
  if (process.platform !== 'linux') app.setLoginItemSettings(loginItemSettings(settings));
  refresh();
}

function showWindow(): void {
  const url = controller.url();
  if (!url) return;
  const target = windowUrlFor(url);
  if (!window || window.isDestroyed()) {
    window = new BrowserWindow(windowOptions({ preloadPath: paths.preload, iconPath: paths.icon }));
    window.once('ready-to-show', () => window?.show());
    window.on('close', (e) => {
      if (!quitting && settings.closeToTray && tray) { e.preventDefault(); window?.hide(); }
    });
    window.on('closed', () => { window = undefined; });
    void window.loadURL(target);
    return;
  }
  if (originOf(window.webContents.getURL()) !== originOf(target)) void window.loadURL(target);
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

/** Navigation, new windows, webviews and permissions for every web contents the app creates. */
function hardenWebContents(): void {
  app.on('web-contents-created', (_e, contents) => {
    const guard = (event: { preventDefault(): void }, url: string) => {
      const origin = serverOrigin();
      if (origin && isAllowedNavigation(url, origin)) return;
      event.preventDefault();
      if (isSafeExternalUrl(url)) void shell.openExternal(url);
    };
    contents.on('will-navigate', (event) => guard(event, event.url));
    contents.on('will-redirect', (event) => guard(event, event.url));
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isSafeExternalUrl(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const origin = serverOrigin();
    callback(origin !== undefined && allowPermission(permission, details.requestingUrl, origin));
  });
  ses.setPermissionCheckHandler((_wc, permission, requestingOrigin) => {
    const origin = serverOrigin();
    return origin !== undefined && allowPermission(permission, requestingOrigin, origin);
  });
  ses.webRequest.onHeadersReceived((details, callback) => {
    const origin = serverOrigin();
    callback({ responseHeaders: origin ? withCsp(details.url, details.responseHeaders, origin) : details.responseHeaders ?? {} });
  });
}

async function onReady(): Promise<void> {
  const loaded = loadDesktopSettings(app.getPath('userData'));
  settings = loaded.settings;
  const secrets = createSecretBox(safeStorage, process.platform);
  if (secrets.decision.warning) warnings.push(secrets.decision.warning);

  hardenWebContents();
  registerIpcHandlers(ipcMain, createIpcHandlers({
    serverUrl: () => { const u = controller.url(); return u ? windowUrlFor(u) : undefined; },
    adminToken: () => controller.adminToken(),
    status: statusEvent,
  }));

  tray = new Tray(nativeImage.createFromPath(path.join(paths.resources, trayIconFile('loading'))));
  tray.on('click', () => showWindow());
  controller.onChange(() => refresh());
  refresh();

  await controller.startServer();
  if (!startHidden) showWindow();
}

function main(): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.on('second-instance', () => showWindow());
  app.on('window-all-closed', () => {
    // With close-to-tray the server keeps running; otherwise closing the window quits.
    if (!settings.closeToTray || !tray) app.quit();
  });
  app.on('activate', () => showWindow());
  app.on('before-quit', (event) => {
    if (quitting) return;
    // Stop the server gracefully first, then quit for real.
    event.preventDefault();
    quitting = true;
    void controller.stopServer().finally(() => app.quit());
  });
  app.whenReady().then(onReady).catch((err: unknown) => {
    warnings.push({ code: 'SERVER_START_FAILED', message: err instanceof Error ? err.message.slice(0, 300) : String(err) });
    refresh();
  });
}

main();
