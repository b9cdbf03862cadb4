// Owns the API-keys page: create a key (shown once, with a copy button), list keys with last use and
// recent usage, edit their limits, revoke them.
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { CreateKeyResponse, KeyInfoWire, KeyListResponse, type KeyInfoWire as KeyInfo } from '../../../server/contract/admin.js';
import { call, errorText, json, type Session } from '../api.js';
import { count, when } from '../format.js';

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s));
const modelList = (s: string): string[] | undefined => {
  const l = s.split(',').map((x) => x.trim()).filter(Boolean);
  return l.length ? l : undefined;
};

function LimitsEditor({ k, session, onDone }: { k: KeyInfo; session: Session; onDone: (msg: string | null, err?: string) => void }) {
  const [rpm, setRpm] = useState(k.limits.rpm?.toString() ?? '');
  const [tpm, setTpm] = useState(k.limits.tpm?.toString() ?? '');
  const [models, setModels] = useState(k.limits.models?.join(', ') ?? '');
  const save = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await json(session, KeyInfoWire, `/admin/keys/${encodeURIComponent(k.name)}`, {
        method: 'PATCH', body: JSON.stringify({ rpm: num(rpm) ?? null, tpm: num(tpm) ?? null, models: modelList(models) ?? null }),
      });
      onDone(`Saved the limits of ${k.name}.`);
    } catch (err) { onDone(null, errorText(err)); }
  };
  const id = `edit-${k.name}`;
  return (
    <form className="inline-form" onSubmit={(e) => void save(e)}>
      <label htmlFor={`${id}-rpm`}>Requests/min</label>
      <input id={`${id}-rpm`} inputMode="numeric" value={rpm} onChange={(e) => setRpm(e.target.value)} placeholder="no limit" />
      <label htmlFor={`${id}-tpm`}>Tokens/min</label>
      <input id={`${id}-tpm`} inputMode="numeric" value={tpm} onChange={(e) => setTpm(e.target.value)} placeholder="no limit" />
      <label htmlFor={`${id}-models`}>Models</label>
      <input id={`${id}-models`} value={models} onChange={(e) => setModels(e.target.value)} placeholder="all" />
      <button type="submit" className="small">Save</button>
      <button type="button" className="small" onClick={() => onDone(null)}>Cancel</button>
    </form>
  );
}

export function KeysPage({ session }: { session: Session }) {
  const [keys, setKeys] = useState<KeyInfo[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const [copied, setCopied] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);
  const [confirmRevoke, setConfirmRevoke] = useState<string | null>(null);
  const [showRevoked, setShowRevoked] = useState(false);
  const [name, setName] = useState('');
  const [rpm, setRpm] = useState('');
  const [tpm, setTpm] = useState('');
  const [models, setModels] = useState('');

  const refresh = useCallback(async () => {
    try { setKeys((await json(session, KeyListResponse, '/admin/keys')).data); setError(null); } catch (e) { setError(errorText(e)); }
  }, [session]);
  useEffect(() => { void refresh(); }, [refresh]);

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setError(null); setNotice(null); setCopied(false);
    try {
      const body = { name: name.trim(), ...(num(rpm) !== undefined ? { rpm: num(rpm) } : {}), ...(num(tpm) !== undefined ? { tpm: num(tpm) } : {}), ...(modelList(models) ? { models: modelList(models) } : {}) };
      const r = await json(session, CreateKeyResponse, '/admin/keys', { method: 'POST', body: JSON.stringify(body) });
      setCreated({ name: r.record.name, key: r.key });
      setName(''); setRpm(''); setTpm(''); setModels('');
    } catch (err) { setError(errorText(err)); } finally { void refresh(); }
  };

  const copy = async () => {
    if (!created) return;
    try { await navigator.clipboard.writeText(created.key); setCopied(true); } catch {
      const el = document.getElementById('new-key') as HTMLInputElement | null;
      el?.select();
      setNotice('Copying was refused by the browser: the key is selected, press Ctrl+C.');
    }
  };

  const revoke = async (n: string) => {
    try {
      await call(session, `/admin/keys/${encodeURIComponent(n)}`, { method: 'DELETE' });
      setNotice(`Revoked ${n}. Programs using it now get 401.`);
      if (created?.name === n) setCreated(null);
    } catch (e) { setError(errorText(e)); } finally { setConfirmRevoke(null); void refresh(); }
  };

  const shown = (keys ?? []).filter((k) => showRevoked || !k.revokedAt);

  return (
    <div className="stack">
      <h1>API keys</h1>
      <p className="muted">Programs use a key as <span className="mono">Authorization: Bearer &lt;key&gt;</span> (or <span className="mono">x-api-key</span>). Keys can chat and list models; only the admin token manages Hearth.</p>
      {error && <p role="alert" className="error">{error}</p>}
      {notice && <p role="status" className="ok">{notice}</p>}
      {created && (
        <section className="card created" aria-labelledby="created-h">
          <h2 id="created-h">New key "{created.name}"</h2>
          <p className="warn">Copy it now: it is shown only this once. Hearth keeps only a hash of it.</p>
          <div className="row">
            <label htmlFor="new-key" className="sr-only">New API key</label>
            <input id="new-key" className="mono wide" readOnly value={created.key} onFocus={(e) => e.target.select()} />
            <button type="button" onClick={() => void copy()}>{copied ? 'Copied' : 'Copy'}</button>
            <button type="button" onClick={() => setCreated(null)}>Done</button>
          </div>
        </section>
      )}
      <section className="card" aria-labelledby="create-h">
        <h2 id="create-h">Create a key</h2>
        <form className="grid" onSubmit={(e) => void create(e)}>
          <label htmlFor="key-name">Name</label>
          <input id="key-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. laptop" spellCheck={false} />
          <label htmlFor="key-rpm">Requests per minute (optional)</label>
          <input id="key-rpm" inputMode="numeric" value={rpm} onChange={(e) => setRpm(e.target.value)} placeholder="no limit" />
          <label htmlFor="key-tpm">Tokens per minute (optional)</label>
          <input id="key-tpm" inputMode="numeric" value={tpm} onChange={(e) => setTpm(e.target.value)} placeholder="no limit" />
          <label htmlFor="key-models">Allowed models (comma list, optional)</label>
          <input id="key-models" value={models} onChange={(e) => setModels(e.target.value)} placeholder="all models" spellCheck={false} />
          <div />
          <button type="submit" disabled={!name.trim()}>Create key</button>
        </form>
      </section>
      <section className="card" aria-labelledby="list-h">
        <h2 id="list-h">Keys</h2>
        <label className="check"><input type="checkbox" checked={showRevoked} onChange={(e) => setShowRevoked(e.target.checked)} /> Show revoked keys</label>
        {keys === null ? <p className="muted">Loading…</p> : shown.length === 0 ? <p className="muted">No keys yet.</p> : (
          <table data-testid="keys">
            <thead><tr><th>Name</th><th>Key</th><th>Created</th><th>Last used</th><th>Recent use</th><th>Limits</th><th>Actions</th></tr></thead>
            <tbody>
              {shown.map((k) => (
                <tr key={k.id} data-key={k.name} className={k.revokedAt ? 'revoked' : undefined}>
                  <td>{k.name}</td>
                  <td className="mono">hth_{k.prefix}…</td>
                  <td>{when(k.createdAt)}</td>
                  <td>{when(k.lastUsedAt)}</td>
                  <td>{k.usage.requests} req · {count(k.usage.tokens)} tokens{k.usage.errors ? ` · ${k.usage.errors} errors` : ''}</td>
                  <td>
                    {editing === k.name
                      ? <LimitsEditor k={k} session={session} onDone={(msg, err) => { setEditing(null); if (msg) setNotice(msg); if (err) setError(err); void refresh(); }} />
                      : <span>{k.limits.rpm ? `${k.limits.rpm} req/min` : 'any rate'} · {k.limits.tpm ? `${count(k.limits.tpm)} tok/min` : 'any tokens'} · {k.limits.models?.join(', ') ?? 'all models'}</span>}
                  </td>
                  <td className="actions">
                    {k.revokedAt ? <span className="muted">revoked {when(k.revokedAt)}</span> : (<>
                      {editing !== k.name && <button type="button" className="small" onClick={() => setEditing(k.name)} aria-label={`Edit limits of ${k.name}`}>Edit limits</button>}
                      {confirmRevoke === k.name
                        ? <><button type="button" className="danger small" onClick={() => void revoke(k.name)}>Confirm revoke</button><button type="button" className="small" onClick={() => setConfirmRevoke(null)}>Keep</button></>
                        : <button type="button" className="small" onClick={() => setConfirmRevoke(k.name)} aria-label={`Revoke ${k.name}`}>Revoke</button>}
                    </>)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
