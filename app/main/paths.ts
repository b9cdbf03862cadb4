// Owns where the desktop shell finds its files: the preload script, tray images and the app icon,
// both when run from a build of the repo (dist/app/main) and from a packaged app (resources/).
import path from 'node:path';

export interface AppPaths {
  preload: string;
  /** Directory holding `tray/*.png` and `icon.png`. */
  resources: string;
  icon: string;
}

/**
 * `mainDir` is the directory of the compiled main.js (`<root>/dist/app/main`). A packaged app
 * gets its images from `process.resourcesPath` (electron-builder's extraResources).
 */
export function appPaths(opts: { mainDir: string; isPackaged: boolean; resourcesPath?: string }): AppPaths {
  const root = path.resolve(opts.mainDir, '..', '..', '..');
  const resources = opts.isPackaged && opts.resourcesPath ? opts.resourcesPath : path.join(root, 'resources');
  return {
    preload: path.resolve(opts.mainDir, '..', 'preload', 'preload.js'),
    resources,
    icon: path.join(resources, 'icon.png'),
  };
}

/** The URL the window loads: the server's URL, with a wildcard bind address replaced by loopback. */
export function windowUrlFor(serverUrl: string): string {
  const u = new URL(serverUrl);
  if (u.hostname === '0.0.0.0') u.hostname = '127.0.0.1';
  else if (u.hostname === '[::]') u.hostname = '[::1]';
  return u.toString();
}
