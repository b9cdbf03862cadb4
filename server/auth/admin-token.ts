// Owns the admin token: taken from the flag/env when given, else read from `<data-dir>/admin-token`,
// else generated there at first start (mode 0600, created without clobbering a concurrent start).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../state/atomic-file.js';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** The admin token file path of a data dir. */
export function adminTokenPath(dataDir: string): string { return path.join(dataDir, ADMIN_TOKEN_FILE); }

function readToken(file: string): string {
  const token = fs.readFileSync(file, 'utf8').trim();
  if (token.length < 16 || token.length > 512 || /\s/.test(token)) throw new Error(`${file}: not a valid admin token (16-512 characters, no spaces); delete it to generate a new one`);
  return token;
}

/**
 * The admin token: `given` (from --admin-token / HEARTH_ADMIN_TOKEN) when set; otherwise the one
 * saved in `<dataDir>/admin-token`, generated on first start (`created: true`).
 */
export function ensureAdminToken(opts: { dataDir: string; given?: string | undefined }): { token: string; created: boolean; file: string } {
  const file = adminTokenPath(opts.dataDir);
  if (opts.given) return { token: opts.given, created: false, file };
  if (fs.existsSync(file)) return { token: readToken(file), created: false, file };
  fs.mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 });
  const token = 'hthadm_' + randomBytes(32).toString('base64url');
  // Write it under a temp name, then link: link fails if another start created the file first.
  const tmp = `${file}.new-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeFileAtomicSync(tmp, token + '\n', { mode: 0o600 });
  try {
    fs.linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { token: readToken(file), created: false, file };
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return { token, created: true, file };
}

/** The line the server prints (to stderr, never stdout) once, at the first start that created the token. */
export function adminTokenBanner(token: string, file: string): string {
  return `hearth admin token (saved in ${file}, shown once): ${token}`;
}
