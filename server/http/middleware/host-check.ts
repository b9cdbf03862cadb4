// Owns the DNS-rebinding guard: a request whose Host is not the bound address, localhost,
// 127.0.0.1, [::1], a configured name, or (on a wildcard bind) one of the machine's own interface
// addresses gets 403 ERR_HOST_NOT_ALLOWED before auth runs.
import os from 'node:os';
import type { Handler } from '../node-http.js';
import { hearthError } from '../../errors/catalog.js';

export interface HostCheckOptions {
  /** The bound address (`127.0.0.1`, an interface address, `0.0.0.0` or `::`). */
  host: string;
  /** The listening port (a function when it is only known after listen, e.g. `--port 0`). */
  port: number | (() => number);
  /** Extra names (optionally `name:port`). */
  allowedHosts?: string[];
}

const WILDCARDS = new Set(['0.0.0.0', '::', '[::]', '']);
/** How long the interface list, and the Host decisions made with it, are reused, ms. */
const REFRESH_MS = 5000;

/** Splits a Host header value into a lowercase hostname (IPv6 without brackets) and a port, or undefined when malformed. */
export function parseHost(value: string): { name: string; port: string | undefined } | undefined {
  const v = value.trim().toLowerCase();
  if (!v || v.length > 255) return undefined;
  const m = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9.-]+))(?::(\d{1,5}))?$/.exec(v);
  if (!m) return undefined;
  const name = (m[1] ?? m[2] ?? '').replace(/\.$/, '');
  return name ? { name, port: m[3] } : undefined;
}

function normalise(name: string): string {
  const n = name.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return n.startsWith('::ffff:') && n.includes('.') ? n.slice(7) : n;
}

function interfaceAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((l) => (l ?? []).map((a) => normalise(a.address)));
}

export function hostCheck(opts: HostCheckOptions): Handler {
  const bound = normalise(opts.host);
  const wildcard = WILDCARDS.has(bound);
  const fixed = new Set(['localhost', '127.0.0.1', '::1']);
  if (!wildcard) fixed.add(bound);
  const extra: { name: string; port: string | undefined }[] = [];
  for (const h of opts.allowedHosts ?? []) {
    const p = parseHost(h);
    if (p) extra.push({ name: normalise(p.name), port: p.port });
  }
  let ifaces: string[] = []; let ifacesAt = 0;
  const ownAddress = (name: string) => {
    if (Date.now() - ifacesAt > REFRESH_MS) { ifaces = interfaceAddresses(); ifacesAt = Date.now(); }
    return ifaces.includes(name);
  };
  const portOf = () => String(typeof opts.port === 'function' ? opts.port() : opts.port);
  const allowed = (raw: unknown): boolean => {
    const parsed = typeof raw === 'string' ? parseHost(raw) : undefined;
    if (!parsed) return false;
    const name = normalise(parsed.name);
    if (WILDCARDS.has(name)) return false;
    if (fixed.has(name) || (wildcard && ownAddress(name))) return true;
    return extra.some((e) => e.name === name && (e.port === undefined || e.port === (parsed.port ?? portOf())));
  };
  // Decisions per Host value, kept as long as the interface list (a client sends the same Host each time).
  const decided = new Map<string, boolean>();
  let decidedAt = 0;

  return (req, _res, next) => {
    const raw = req.headers.host;
    if (Date.now() - decidedAt > REFRESH_MS || decided.size >= 256) { decided.clear(); decidedAt = Date.now(); }
    let ok = typeof raw === 'string' ? decided.get(raw) : false;
    if (ok === undefined) { ok = allowed(raw); decided.set(raw as string, ok); }
    if (!ok) return next(hearthError('ERR_HOST_NOT_ALLOWED'));
    next();
  };
}
