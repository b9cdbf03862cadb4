// Owns serving the web UI: the built renderer (renderer/dist) as static files at `/`, with a strict
// Content-Security-Policy and no-sniff/no-referrer headers on every UI response, and the SPA
// fallback (index.html) for GET paths that are not API paths. Static files need no auth: they hold
// no secrets; every API call the UI makes carries its token.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { hearthError } from '../errors/catalog.js';

export const UI_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Path prefixes that belong to the API: never answered with index.html. */
const API_PREFIXES = ['/v1/', '/api/', '/admin/', '/metrics', '/healthz', '/readyz'];
export function isApiPath(p: string): boolean {
  return p === '/v1' || p === '/api' || p === '/admin' || API_PREFIXES.some((x) => p.startsWith(x));
}

/** renderer/dist, from the source tree (server/routes) or the compiled one (dist/server/routes). */
export function defaultDistDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '..', '..', 'renderer', 'dist'), path.resolve(here, '..', '..', '..', 'renderer', 'dist')];
  return candidates.find((c) => fs.existsSync(path.join(c, 'index.html'))) ?? candidates[0]!;
}

function securityHeaders(res: Response): void {
  res.setHeader('content-security-policy', UI_CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  res.setHeader('x-frame-options', 'DENY');
}

export function uiRoutes(opts: { distDir?: string } = {}) {
  const dir = opts.distDir ?? defaultDistDir();
  const serve = express.static(dir, {
    index: false, redirect: false, dotfiles: 'ignore', fallthrough: true,
    setHeaders(res, file) {
      securityHeaders(res);
      // Vite's assets carry a content hash in their names: cache them for good.
      res.setHeader('cache-control', file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  return {
    /** Static files of renderer/dist (GET/HEAD, non-API paths only). */
    static: ((req: Request, res: Response, next: NextFunction) => {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path) || req.path === '/' || req.path === '/index.html') return next();
      serve(req, res, next);
    }) as RequestHandler,
    /** index.html for `/` and any other non-API GET path (client-side routes). */
    spa(req: Request, res: Response, next: NextFunction): void {
      if ((req.method !== 'GET' && req.method !== 'HEAD') || isApiPath(req.path)) return next();
      // A missing asset is a 404, not the app page.
      if (req.path.startsWith('/assets/')) return next();
      const index = path.join(dir, 'index.html');
      if (!fs.existsSync(index)) return next(hearthError('ERR_NOT_FOUND', 'The web UI is not built: run `npm run build:renderer`.'));
      securityHeaders(res);
      res.setHeader('cache-control', 'no-cache');
      res.type('html');
      res.sendFile(index);
    },
  };
}
