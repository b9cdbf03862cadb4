// Owns response ids (chatcmpl-…, cmpl-…, msg_…): a random per-process prefix plus a counter, so an
// id costs no entropy syscall on the per-request path and never repeats within a process.
import { randomBytes } from 'node:crypto';

const PROCESS_PREFIX = randomBytes(9).toString('base64url');
let counter = 0;

/** `<prefix><sep><process prefix><counter>`, e.g. `chatcmpl-Zk3…1a`. */
export function responseId(prefix: string, sep = '-'): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${prefix}${sep}${PROCESS_PREFIX}${counter.toString(36)}`;
}
