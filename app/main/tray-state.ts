// Owns what the tray shows for a server status: which icon, the tooltip, and the menu's labels
// and enabled states. Pure; main.ts turns it into a Tray and a Menu.
import type { ServerStatus, AppWarning } from '../../server/contract/ipc.js';

/** Tray icon names; each is a PNG under resources/tray/ (`<name>.png` and `<name>@2x.png`). */
export const TRAY_ICONS = ['ready', 'busy', 'loading', 'error', 'stopped'] as const;
export type TrayIcon = (typeof TRAY_ICONS)[number];

export interface TrayMenuState {
  open: { label: string; enabled: boolean };
  /** Start or stop the embedded server. */
  toggleServer: { label: string; action: 'start' | 'stop'; enabled: boolean };
  startAtLogin: { label: string; checked: boolean };
  closeToTray: { label: string; checked: boolean };
  quit: { label: string };
}

export interface TrayState {
  icon: TrayIcon;
  tooltip: string;
  /** A one-line status shown as a disabled first menu item. */
  statusLine: string;
  menu: TrayMenuState;
}

const TOOLTIP_MAX = 120;

function clip(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

/** Icon and words for each server state. */
const BY_STATE: Record<ServerStatus['state'], { icon: TrayIcon; words: string }> = {
  starting: { icon: 'loading', words: 'starting…' },
  loading: { icon: 'loading', words: 'loading a model…' },
  ready: { icon: 'ready', words: 'ready' },
  busy: { icon: 'busy', words: 'busy' },
  error: { icon: 'error', words: 'error' },
  stopped: { icon: 'stopped', words: 'stopped' },
};

/**
 * The tray for a server status. `status` undefined means the server has not been started.
 * A `transition` (start or stop requested and not yet done) disables the toggle.
 */
export function trayStateFor(
  status: ServerStatus | undefined,
  opts: { url?: string; startAtLogin?: boolean; closeToTray?: boolean; warnings?: AppWarning[]; transition?: boolean } = {},
): TrayState {
  const s = status ?? { state: 'stopped' as const };
  const { icon, words } = BY_STATE[s.state];
  const running = s.state !== 'stopped' && s.state !== 'error';
  let line = `Hearth: ${words}`;
  if (s.reason && (s.state === 'error' || s.state === 'loading' || s.state === 'starting' || s.state === 'busy')) line += ` (${s.reason})`;
  if (running && opts.url && s.state !== 'starting') line += `, ${opts.url}`;
  const warning = opts.warnings?.[0];
  const tooltip = clip(warning ? `${line}\n⚠ ${warning.message}` : line, TOOLTIP_MAX);
  return {
    icon,
    tooltip,
    statusLine: clip(line, TOOLTIP_MAX),
    menu: {
      open: { label: 'Open Hearth', enabled: running && s.state !== 'starting' },
      toggleServer: running
        ? { label: 'Stop server', action: 'stop', enabled: !opts.transition }
        : { label: 'Start server', action: 'start', enabled: !opts.transition },
      startAtLogin: { label: 'Start at login', checked: opts.startAtLogin ?? false },
      closeToTray: { label: 'Keep running in the tray when the window closes', checked: opts.closeToTray ?? true },
      quit: { label: 'Quit Hearth' },
    },
  };
}

/** The file of a tray icon under the resources directory; `@2x` for HiDPI screens. */
export function trayIconFile(icon: TrayIcon, scale: 1 | 2 = 1): string {
  return `tray/${icon}${scale === 2 ? '@2x' : ''}.png`;
}
