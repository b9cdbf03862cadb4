// Owns the BrowserWindow security settings (Electron's security checklist) and the window's
// Content-Security-Policy and permission decisions. Pure: only types come from electron.
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

/** WebPreferences that satisfy Electron's security checklist for a window showing the served UI. */
export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
  };
}

/** The main window's constructor options. `show: false` until `ready-to-show`. */
export function windowOptions(opts: { preloadPath: string; iconPath?: string }): BrowserWindowConstructorOptions {
  return {
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Hearth',
    show: false,
    backgroundColor: '#1c1917',
    autoHideMenuBar: true,
    ...(opts.iconPath ? { icon: opts.iconPath } : {}),
    webPreferences: secureWebPreferences(opts.preloadPath),
  };
}

/** The origin (`scheme://host:port`) of a URL, or undefined when it does not parse. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.origin === 'null' ? undefined : u.origin;
  } catch {
    return undefined;
  }
}

/**
 * The CSP the window enforces on responses from the embedded server: scripts, styles, images and
 * connections only from the server's own origin ('self'); no plugins, frames, or foreign form targets.
 */
export function contentSecurityPolicy(): string {
  return [
    `default-src 'self'`,
    `script-src 'self'`,
    `style-src 'self'`,
    `img-src 'self' data:`,
    `font-src 'self' data:`,
    `connect-src 'self'`,
    `object-src 'none'`,
    `frame-src 'none'`,
    `frame-ancestors 'none'`,
    `base-uri 'none'`,
    `form-action 'self'`,
  ].join('; ');
}

/**
 * Response headers with the CSP added for responses from the server's origin (leaves other
 * responses alone). Header names are compared case-insensitively; an existing CSP is replaced.
 */
export function withCsp(url: string, headers: Record<string, string[]> | undefined, serverOrigin: string): Record<string, string[]> {
  const out: Record<string, string[]> = { ...(headers ?? {}) };
  if (originOf(url) !== serverOrigin) return out;
  for (const k of Object.keys(out)) if (k.toLowerCase() === 'content-security-policy') delete out[k];
  out['Content-Security-Policy'] = [contentSecurityPolicy()];
  return out;
}

/** In-window navigation is allowed only within the server's own origin. */
export function isAllowedNavigation(url: string, serverOrigin: string): boolean {
  return originOf(url) === serverOrigin;
}

/** Permission requests (camera, geolocation, notifications, ...): only clipboard writes from the server's origin. */
export function allowPermission(permission: string, requestingUrl: string, serverOrigin: string): boolean {
  return permission === 'clipboard-sanitized-write' && originOf(requestingUrl) === serverOrigin;
}
