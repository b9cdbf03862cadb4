// Owns talking to the Hearth server from the UI: the signed-in token (session or local storage, or
// the desktop bridge), the API base URL, JSON calls validated with the server's zod schemas, and
// errors as readable messages.
import type { z } from 'zod';
import type { HearthBridge } from '../../server/contract/ipc.js';

declare global {
  interface Window { hearth?: HearthBridge }
}

const TOKEN_KEY = 'hearth.token';

export interface Session { token: string; base: string; desktop: boolean }

/** An API error with the server's message and code. */
export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly code?: string) { super(message); this.name = 'ApiError'; }
}

/** The stored token (session first, then "remember me" local storage). */
export function storedToken(): string | null {
  try { return sessionStorage.getItem(TOKEN_KEY) ?? localStorage.getItem(TOKEN_KEY); } catch { return null; }
}
export function storeToken(token: string, remember: boolean): void {
  try {
    sessionStorage.setItem(TOKEN_KEY, token);
    if (remember) localStorage.setItem(TOKEN_KEY, token); else localStorage.removeItem(TOKEN_KEY);
  } catch { /* storage refused: the session lives in memory only */ }
}
export function forgetToken(): void {
  try { sessionStorage.removeItem(TOKEN_KEY); localStorage.removeItem(TOKEN_KEY); } catch { /* ignore */ }
}

/** The desktop window's session from the preload bridge, when there is one. */
export async function desktopSession(): Promise<Session | null> {
  const h = window.hearth;
  if (!h || typeof h.adminToken !== 'function') return null;
  const token = await h.adminToken();
  let base = '';
  try {
    const url = await h.serverUrl();
    if (new URL(url).origin !== location.origin) base = url.replace(/\/$/, '');
  } catch { /* same origin */ }
  return { token, base, desktop: true };
}

async function errorOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code: string | undefined;
  try {
    const b = (await res.json()) as { error?: { message?: string; code?: string } | string };
    if (typeof b.error === 'string') message = b.error;
    else if (b.error?.message) { message = b.error.message; code = b.error.code; }
  } catch { /* not JSON */ }
  return new ApiError(res.status, message, code);
}

export function headers(s: Session, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${s.token}`, ...extra };
}

/** A raw fetch with the session's token; throws ApiError on a non-2xx answer. */
export async function call(s: Session, path: string, init: RequestInit = {}): Promise<Response> {
  const h: Record<string, string> = headers(s);
  if (init.body !== undefined) h['content-type'] = 'application/json';
  const res = await fetch(s.base + path, { ...init, headers: { ...h, ...(init.headers as Record<string, string> | undefined) } });
  if (!res.ok) throw await errorOf(res);
  return res;
}

/** A JSON call validated with `schema`. */
export async function json<S extends z.ZodType>(s: Session, schema: S, path: string, init: RequestInit = {}): Promise<z.infer<S>> {
  const res = await call(s, path, init);
  const body: unknown = await res.json();
  const r = schema.safeParse(body);
  if (!r.success) throw new ApiError(0, `Unexpected answer from ${path}: ${r.error.issues[0]?.message ?? 'invalid'}`);
  return r.data;
}

/** What a token may do: the admin token manages everything, an API key only chats. */
export async function probeRole(s: Session): Promise<'admin' | 'key'> {
  const res = await fetch(s.base + '/admin/status', { headers: headers(s) });
  if (res.ok) return 'admin';
  // 403: an API key, or the admin token from another machine (admin answers only on loopback).
  if (res.status === 403) return 'key';
  throw await errorOf(res);
}

export const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));
