// Owns the admin network guard: admin routes answer only clients on loopback unless adminRemote is
// set. Uses the socket's peer address only (never X-Forwarded-For).
import type { RequestHandler } from 'express';
import { hearthError } from '../../errors/catalog.js';

/** Whether a socket peer address is loopback (127.0.0.0/8, ::1, or IPv4-mapped loopback). */
export function isLoopbackAddress(addr: string | undefined): boolean {
  if (!addr) return false;
  const a = addr.toLowerCase();
  return a === '::1' || /^127\./.test(a) || /^::ffff:127\./.test(a);
}

export function adminLoopback(opts: { adminRemote: boolean }): RequestHandler {
  return (req, _res, next) => {
    if (opts.adminRemote || isLoopbackAddress(req.socket.remoteAddress)) return next();
    next(hearthError('ERR_ADMIN_REMOTE'));
  };
}
