// Test helper (not a test): a tiny express app on 127.0.0.1 with the given middleware, a trivial
// route and the same error rendering as the real app (dialect body + HearthError headers).
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { toHearthError } from '../../../../../server/errors/catalog.js';
import { dialectForPath, errorBody } from '../../../../../server/errors/format.js';

export interface MiniApp { url: string; port: number; close(): Promise<void> }

export async function startMiniApp(middleware: RequestHandler[], host = '127.0.0.1'): Promise<MiniApp> {
  const app = express();
  app.set('query parser', 'simple');
  for (const m of middleware) app.use(m);
  app.all(/.*/, (_req, res) => { res.json({ ok: true, principal: res.locals.principal ?? null }); });
  app.use((raw: unknown, req: Request, res: Response, _next: NextFunction) => {
    const err = toHearthError(raw);
    for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
    res.status(err.status).json(errorBody(dialectForPath(req.path), err));
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`, port,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

/** Sends raw bytes to 127.0.0.1:port and returns the raw response text (for headers Node's client refuses). */
export function rawRequest(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => { sock.destroy(); resolve(out); }, 5000);
    sock.setEncoding('latin1');
    sock.on('data', (d) => { out += d; });
    sock.on('end', () => { clearTimeout(timer); resolve(out); });
    sock.on('error', (e) => { clearTimeout(timer); out ? resolve(out) : reject(e); });
    sock.write(bytes, 'latin1');
  });
}

/** The status code of a raw HTTP response. */
export function rawStatus(resp: string): number { return Number(/^HTTP\/1\.1 (\d{3})/.exec(resp)?.[1] ?? 0); }
