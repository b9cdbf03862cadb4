// Owns the admin API-key handlers: GET/POST /admin/keys, PATCH/DELETE /admin/keys/:name. The new key
// is returned once by create and never again; listings carry the last use and the use seen in the
// recent-requests window, never a key or its hash.
import type { Request, Response } from 'express';
import { CreateKeyRequest, PatchKeyRequest, type KeyInfoWire, type KeyUsage } from '../contract/admin.js';
import { hearthError } from '../errors/catalog.js';
import type { KeyInfo } from '../auth/key-store.js';
import type { Services } from '../http/services.js';

type KeyDeps = Pick<Services, 'keyStore' | 'recent'>;

function parse<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, v: unknown): T {
  const r = schema.safeParse(v ?? {});
  if (!r.success) throw hearthError('ERR_VALIDATION', r.error.issues.map((i) => `${i.path.map(String).join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

/** Use per key name over the recent-requests window. */
function usageByName(s: KeyDeps): Map<string, KeyUsage> {
  const m = new Map<string, KeyUsage>();
  for (const r of s.recent.list()) {
    const u = m.get(r.keyName) ?? { requests: 0, tokens: 0, errors: 0 };
    u.requests += 1;
    u.tokens += r.promptTokens + r.completionTokens;
    if (r.status >= 400) u.errors += 1;
    m.set(r.keyName, u);
  }
  return m;
}

const wire = (k: KeyInfo, usage: Map<string, KeyUsage>): KeyInfoWire => ({
  ...k,
  // Revoked keys keep their name in the file; their use is not counted against a new key of that name.
  usage: (!k.revokedAt && usage.get(k.name)) || { requests: 0, tokens: 0, errors: 0 },
});

export function adminKeysRoutes(s: KeyDeps) {
  return {
    /** GET /admin/keys → {data: KeyInfoWire[]} (active first, newest first). */
    list(_req: Request, res: Response): void {
      const usage = usageByName(s);
      const keys = s.keyStore.list().sort((a, b) => Number(Boolean(a.revokedAt)) - Number(Boolean(b.revokedAt)) || b.createdAt.localeCompare(a.createdAt));
      res.json({ data: keys.map((k) => wire(k, usage)) });
    },
    /** POST /admin/keys {name, rpm?, tpm?, models?, allowSpill?} → {key, record}; the key is shown once. */
    async create(req: Request, res: Response): Promise<void> {
      const b = parse(CreateKeyRequest, req.body);
      const { key, record } = await s.keyStore.create(b);
      res.setHeader('cache-control', 'no-store');
      res.json({ key, record: wire(record, new Map()) });
    },
    /** PATCH /admin/keys/:name {rpm?, tpm?, models?, allowSpill?} (null clears) → KeyInfoWire. */
    async update(req: Request, res: Response): Promise<void> {
      const b = parse(PatchKeyRequest, req.body);
      const k = await s.keyStore.update(String(req.params.name), b);
      res.json(wire(k, usageByName(s)));
    },
    /** DELETE /admin/keys/:name → KeyInfoWire with revokedAt set. */
    async revoke(req: Request, res: Response): Promise<void> {
      const k = await s.keyStore.revoke(String(req.params.name));
      res.json(wire(k, new Map()));
    },
  };
}
