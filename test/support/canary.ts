// Owns the canary secrets tests use to prove that no token or upstream key leaks: fixed, unmistakable
// values (an upstream key, an admin token, wrong tokens in several shapes), the forms a leak could
// take (whole, its secret tail, base64), and a recorder that keeps every response a test saw so it
// can be searched at the end, together with the server's stderr and log files.
import fs from 'node:fs';
import path from 'node:path';

/** An upstream API key (OpenAI style; not matched by Hearth's `hth_` log scrubber, so only field redaction protects it). */
export const CANARY_UPSTREAM_KEY = 'sk-CANARYupstream-7f3a91c2e84b4d06a5b1c9e2f0d37a68';
/** A second upstream key, for an upstream that echoes the key it received in its error bodies. */
export const CANARY_ECHOED_UPSTREAM_KEY = 'sk-CANARYechoed-3c9d0e1f2a4b5c6d7e8f90a1b2c3d4e5';
/** An upstream key saved through PUT /admin/settings. */
export const CANARY_SETTINGS_UPSTREAM_KEY = 'sk-ant-CANARYsettings-51e0c7d94a2b83f6e1d0c9b8a7f6e5d4';
/** The admin token (valid `hth_` shape). */
export const CANARY_ADMIN_TOKEN = 'hth_CANARYadmin_2b7e151628aed2a6abf7158809cf4f3c';
/** Wrong tokens a client might send: a well-formed unknown Hearth key, a foreign-looking key, free text. */
export const CANARY_WRONG_TOKENS = [
  'hth_CANARYwrongAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'sk-proj-CANARYwrong-0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  'CANARY-not-a-hearth-key-9c1d5e7a3b2f',
] as const;

/** Every static canary secret. */
export const CANARY_SECRETS: readonly string[] = [CANARY_UPSTREAM_KEY, CANARY_ECHOED_UPSTREAM_KEY, CANARY_SETTINGS_UPSTREAM_KEY, CANARY_ADMIN_TOKEN, ...CANARY_WRONG_TOKENS];

/** The substrings whose presence means `secret` leaked: the whole value, its last 16 characters, its base64. */
export function canaryNeedles(secret: string): string[] {
  return [secret, secret.slice(-16), Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url')];
}

/** The secrets (of `secrets`) that appear in `text`, each with the form that was found. */
export function findCanaries(text: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const s of secrets) {
    const hit = canaryNeedles(s).find((n) => text.includes(n));
    if (hit) found.push(hit === s ? s : `${s} (as "${hit}")`);
  }
  return found;
}

/** The contents of `<dataDir>/logs/*.log`, each with its file name. */
export function readLogFiles(dataDir: string): Array<{ file: string; text: string }> {
  const dir = path.join(dataDir, 'logs');
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => ({ file: path.join(dir, f), text: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

export interface Seen { label: string; status: number; headers: string; body: string }

/** Keeps every response (status line, headers, body) a test saw, to search for canaries at the end. */
export class CanaryRecorder {
  readonly seen: Seen[] = [];

  /** fetch, recording the whole response; returns it with the body already read as text. */
  async fetch(label: string, url: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; text: string }> {
    const res = await fetch(url, init);
    const text = await res.text();
    this.add(label, res.status, res.headers, text);
    return { status: res.status, headers: res.headers, text };
  }

  add(label: string, status: number, headers: Headers | Record<string, string>, body: string): void {
    const h = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
    this.seen.push({ label, status, headers: h.map(([k, v]) => `${k}: ${v}`).join('\n'), body });
  }

  /** "label: secret" for each recorded response that contains a canary. */
  leaks(secrets: readonly string[]): string[] {
    return this.seen.flatMap((s) => findCanaries(`${s.headers}\n\n${s.body}`, secrets).map((c) => `${s.label} (${s.status}): ${c}`));
  }
}
