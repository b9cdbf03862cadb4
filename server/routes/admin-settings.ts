// Owns the admin settings handlers: GET/PUT /admin/settings (concurrency, queue, timeouts, bind
// address, allowed hosts and origins, upstreams with write-only keys) and GET /admin/interfaces (the
// addresses the server could bind). Saved settings apply at the next start; the answer says so.
import os from 'node:os';
import type { Request, Response } from 'express';
import { SettingsUpdate, type InterfaceAddress, type NetworkLimitsView, type SettingsResponse } from '../contract/admin.js';
import { hearthError } from '../errors/catalog.js';
import type { Services } from '../http/services.js';

type SettingsDeps = Pick<Services, 'config' | 'settings'> & { address?: Services['address'] };

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const ALL = new Set(['0.0.0.0', '::']);

export const RESTART_NOTE = 'Most settings take effect at the next start of Hearth: save, then restart it.';
export const LAN_WARNING = 'LAN exposure: other devices on your network will be able to reach this server. Anyone who has an API key can use your models, and your machine will do the work. Only do this on a network you trust, and create a separate key for each device.';

/** The addresses the server could bind: loopback and all interfaces first, then this machine's own. */
export function listInterfaces(ifaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): InterfaceAddress[] {
  const out: InterfaceAddress[] = [
    { name: 'this machine only (loopback)', address: '127.0.0.1', family: 'IPv4', internal: true },
    { name: 'all interfaces', address: '0.0.0.0', family: 'IPv4', internal: false },
  ];
  for (const [name, addrs] of Object.entries(ifaces)) {
    for (const a of addrs ?? []) {
      if (a.internal || out.some((o) => o.address === a.address)) continue;
      if (a.family === 'IPv6' && a.address.toLowerCase().startsWith('fe80:')) continue; // link-local needs a scope id
      out.push({ name, address: a.address, family: a.family === 'IPv6' ? 'IPv6' : 'IPv4', internal: false });
    }
  }
  return out;
}

/** Whether `host` binds only the loopback interface. */
export function isLoopbackHost(host: string | undefined): boolean {
  return host === undefined || LOOPBACK.has(host) || /^127\./.test(host);
}

const keysOf = ['host', 'port', 'maxConcurrency', 'maxQueue', 'queueTimeoutMs', 'requestTimeoutMs', 'keepAlive', 'allowedHosts', 'corsOrigins', 'adminRemote'] as const;

function pick(src: Record<string, unknown>): NetworkLimitsView {
  const out: Record<string, unknown> = {};
  for (const k of keysOf) if (src[k] !== undefined) out[k] = src[k];
  const up = src.upstream as Array<{ name: string; kind: string; url: string; concurrency?: number; apiKey?: unknown }> | undefined;
  if (up) {
    out.upstream = up.map((u) => ({
      name: u.name, kind: u.kind, url: u.url, concurrency: u.concurrency,
      // Redacted views already say {set}; raw config carries the key: only whether it is set leaves.
      apiKey: { set: typeof u.apiKey === 'string' ? u.apiKey.length > 0 : Boolean((u.apiKey as { set?: boolean } | undefined)?.set) },
    }));
  }
  return out as NetworkLimitsView;
}

function same(a: unknown, b: unknown): boolean { return JSON.stringify(a) === JSON.stringify(b); }

export function settingsView(s: SettingsDeps): SettingsResponse {
  const saved = pick(s.settings.redacted() as Record<string, unknown>);
  const effective = pick({ ...(s.config as unknown as Record<string, unknown>), ...(s.address ? { host: s.address.host, port: s.address.port } : {}) });
  const restartRequired = keysOf.some((k) => saved[k] !== undefined && !(k === 'port' && saved.port === 0) && !same(saved[k], effective[k]))
    || (saved.upstream !== undefined && !same(saved.upstream.map(({ apiKey: _k, ...u }) => u), (effective.upstream ?? []).map(({ apiKey: _k, ...u }) => u)));
  const notes = [RESTART_NOTE];
  if (!isLoopbackHost(saved.host ?? effective.host)) notes.push(LAN_WARNING);
  return { saved, effective, restartRequired, notes };
}

export function adminSettingsRoutes(s: SettingsDeps, opts: { interfaces?: () => InterfaceAddress[] } = {}) {
  const interfaces = opts.interfaces ?? (() => listInterfaces());
  return {
    /** GET /admin/settings → SettingsResponse (upstream keys only as {set}). */
    get(_req: Request, res: Response): void {
      res.json(settingsView(s));
    },
    /** PUT /admin/settings SettingsUpdate → SettingsResponse; saved now, applied at the next start. */
    put(req: Request, res: Response): void {
      const r = SettingsUpdate.safeParse(req.body ?? {});
      if (!r.success) throw hearthError('ERR_VALIDATION', r.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; '));
      const host = r.data.host;
      if (typeof host === 'string' && !LOOPBACK.has(host) && !ALL.has(host) && !interfaces().some((i) => i.address === host)) {
        throw hearthError('ERR_VALIDATION', `host: ${host} is not an address of this machine (choose one from /admin/interfaces)`);
      }
      const names = (r.data.upstream ?? []).map((u) => u.name);
      if (new Set(names).size !== names.length) throw hearthError('ERR_VALIDATION', 'upstream: two upstreams have the same name');
      s.settings.update(r.data);
      res.setHeader('cache-control', 'no-store');
      res.json(settingsView(s));
    },
    /** GET /admin/interfaces → {data: InterfaceAddress[]}. */
    interfaces(_req: Request, res: Response): void {
      res.json({ data: interfaces() });
    },
  };
}
