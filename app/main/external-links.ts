// Owns the guard in front of shell.openExternal: only well-formed https: URLs leave the app.
// Pure; main.ts calls it before opening anything in the person's browser.

/** Longest URL handed to the OS browser. */
const MAX_URL_LENGTH = 2048;

/**
 * True only for an absolute `https:` URL with a host and no credentials. Refuses `file:`,
 * `javascript:`, `http:`, `data:`, `smb:`, custom schemes, and anything that does not parse.
 */
export function isSafeExternalUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL_LENGTH) return false;
  // Control characters and whitespace can smuggle a second argument to the OS opener.
  if (/[\u0000-\u0020\u007f]/.test(url)) return false;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.protocol !== 'https:') return false;
  if (!u.hostname) return false;
  if (u.username || u.password) return false;
  return true;
}
