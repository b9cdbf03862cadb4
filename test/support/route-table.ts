// Owns reading THE route table (server/http/routes.ts) at test time, so that tests over "every
// endpoint" cover new endpoints automatically: each `app.<method>('<path>', ...)` line, and each
// `hot('<path>', ...)` line (a POST served by the app and its fast lane), becomes a concrete request
// (path parameters filled in, the headers a route needs to be reached).
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './server.js';

export interface RouteEntry {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route path as registered. */
  pattern: string;
  /** A concrete path: each `:param` / `*param` replaced by `fill`. */
  path: string;
  /** Headers needed to reach the route (routes only for Anthropic clients need `anthropic-version`). */
  headers: Record<string, string>;
  /** The middleware/handler text after the path (e.g. to tell admin-only routes). */
  chain: string;
}

/** The route table's endpoints, de-duplicated by method, path and headers. */
export function readRouteTable(fill = 'no-such-thing'): RouteEntry[] {
  const src = fs.readFileSync(path.join(REPO_ROOT, 'server/http/routes.ts'), 'utf8');
  const out: RouteEntry[] = [];
  for (const m of src.matchAll(/^\s*(?:app\.(get|post|put|patch|delete)|(hot))\(\s*'([^']+)'(.*)$/gm)) {
    const pattern = m[3]!;
    const chain = m[4]!;
    const headers: Record<string, string> = chain.includes('onlyAnthropicClients') ? { 'anthropic-version': '2023-06-01' } : {};
    const r: RouteEntry = {
      method: (m[2] ? 'POST' : m[1]!.toUpperCase()) as RouteEntry['method'], pattern, chain, headers,
      path: pattern.replace(/:[A-Za-z_]+/g, fill).replace(/\*[A-Za-z_]+/g, fill),
    };
    const same = (o: RouteEntry) => o.method === r.method && o.path === r.path && JSON.stringify(o.headers) === JSON.stringify(r.headers);
    if (!out.some(same)) out.push(r);
  }
  return out;
}

/** Endpoints that need a token: all but /healthz, /readyz and the web UI's static SPA fallback. */
export function authenticatedRoutes(fill?: string): RouteEntry[] {
  return readRouteTable(fill).filter((r) => r.pattern !== '/healthz' && r.pattern !== '/readyz' && !r.pattern.includes('{'));
}
