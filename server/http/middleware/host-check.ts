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
    if (Date.now() - ifacesAt > 5000) { ifaces = interfaceAddresses(); ifacesAt = Date.now(); }
    return ifaces.includes(name);
  };
  const portOf = () => String(typeof opts.port === 'function' ? opts.port() : opts.port);

  return (req, _res, next) => {
    const raw = req.headers.host;
    const parsed = typeof raw === 'string' ? parseHost(raw) : undefined;
    if (!parsed) return next(hearthError('ERR_HOST_NOT_ALLOWED'));
    const name = normalise(parsed.name);
    if (WILDCARDS.has(name)) return next(hearthError('ERR_HOST_NOT_ALLOWED'));
    let ok = fixed.has(name) || (wildcard && ownAddress(name));
    if (!ok) ok = extra.some((e) => e.name === name && (e.port === undefined || e.port === (parsed.port ?? portOf())));
    if (!ok) return next(hearthError('ERR_HOST_NOT_ALLOWED'));
    next();
  };
}
