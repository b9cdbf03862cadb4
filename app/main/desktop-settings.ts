// Owns the desktop shell's own preferences (start at login, close to tray), kept in
// `<userData>/desktop.json`: validated with zod on load, written atomically. The server's
// settings live in its data dir and are not touched here.
import path from 'node:path';
import { z } from 'zod';
import { loadWithBackup, writeFileAtomicSync } from '../../server/state/atomic-file.js';

export const DesktopSettings = z.object({
  /** Launch Hearth (hidden, in the tray) when the person logs in. */
  startAtLogin: z.boolean().default(false),
  /** Closing the window keeps the server running in the tray instead of quitting. */
  closeToTray: z.boolean().default(true),
}).strict();
export type DesktopSettings = z.infer<typeof DesktopSettings>;

export const DESKTOP_SETTINGS_FILE = 'desktop.json';

export function desktopSettingsPath(userDataDir: string): string {
  return path.join(userDataDir, DESKTOP_SETTINGS_FILE);
}

/**
 * Loads the preferences. A missing file gives the defaults; a bad file falls back to its backup
 * and reports why in `warning`; when neither is usable it throws an Error naming the field.
 */
export function loadDesktopSettings(userDataDir: string): { settings: DesktopSettings; warning?: string } {
  const r = loadWithBackup(desktopSettingsPath(userDataDir), DesktopSettings);
  if (r.source === 'missing') return { settings: DesktopSettings.parse({}) };
  if (r.source === 'backup') return { settings: r.data, warning: r.error };
  return { settings: r.data };
}

export function saveDesktopSettings(userDataDir: string, settings: DesktopSettings): void {
  writeFileAtomicSync(desktopSettingsPath(userDataDir), JSON.stringify(DesktopSettings.parse(settings), null, 2) + '\n', { backup: true });
}

/** The argument to app.setLoginItemSettings: start hidden (tray only) when launched at login. */
export function loginItemSettings(settings: DesktopSettings): { openAtLogin: boolean; openAsHidden: boolean; args: string[] } {
  return { openAtLogin: settings.startAtLogin, openAsHidden: true, args: settings.startAtLogin ? ['--hidden'] : [] };
}
