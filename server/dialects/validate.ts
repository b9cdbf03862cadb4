// Owns request-body validation shared by every dialect: zod parsing into clear 400 errors, and the
// refusal of fields that could change where a request goes or which key it carries.
import type { z } from 'zod';
import { FORBIDDEN_FIELDS } from '../contract/openai.js';
import { hearthError } from '../errors/catalog.js';

/** Parses `body` with `schema`, or throws ERR_VALIDATION naming the first bad fields. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw hearthError('ERR_VALIDATION', 'The request body must be a JSON object.');
  }
  const forbidden = FORBIDDEN_FIELDS.filter((f) => Object.hasOwn(body, f));
  if (forbidden.length) throw hearthError('ERR_FORBIDDEN_FIELD', `These fields are not allowed: ${forbidden.join(', ')}. Requests cannot choose the upstream or its key.`, { detail: { fields: forbidden } });
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 3).map((i) => `${i.path.length ? i.path.join('.') : 'body'}: ${i.message}`);
  throw hearthError('ERR_VALIDATION', `Invalid request: ${issues.join('; ')}`, { detail: { param: r.error.issues[0]?.path.join('.') ?? null } });
}
