// Owns the limits & network page: concurrency, queue and timeouts; the bind address (LAN exposure,
// with a plain warning and the interface choice); allowed hosts and origins; upstreams and their
// keys, which can be written but never read back. Saved settings apply at the next start.
import { useEffect, useState, type FormEvent } from 'react';
import { InterfaceList, SettingsResponse, type InterfaceAddress, type SettingsResponse as Settings, type SettingsUpdate } from '../../../server/contract/admin.js';
import { errorText, json, type Session } from '../api.js';

interface UpRow { name: string; kind: 'openai' | 'anthropic' | 'ollama'; url: string; concurrency: string; keySet: boolean; newKey: string; clearKey: boolean }

const LOOPBACK = ['127.0.0.1', 'localhost', '::1'];
const list = (s: string) => s.split(/[,\n]/).map((x) => x.trim()).filter(Boolean);

export function SettingsPage({ session }: { session: Session }) {
  const [data, setData] = useState<Settings | null>(null);
  const [ifaces, setIfaces] = useState<InterfaceAddress[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [f, setF] = useState({ host: '127.0.0.1', maxConcurrency: '', maxQueue: '', queueTimeoutMs: '', requestTimeoutMs: '', allowedHosts: '', corsOrigins: '' });
  const [ups, setUps] = useState<UpRow[]>([]);
  const [initial, setInitial] = useState<{ f: typeof f; ups: UpRow[] } | null>(null);

  const fill = (d: Settings) => {
    const v = { ...d.effective, ...d.saved };
    const nf = {
      host: v.host ?? '127.0.0.1', maxConcurrency: v.maxConcurrency?.toString() ?? '', maxQueue: v.maxQueue?.toString() ?? '',
      queueTimeoutMs: v.queueTimeoutMs?.toString() ?? '', requestTimeoutMs: v.requestTimeoutMs?.toString() ?? '',
      allowedHosts: (v.allowedHosts ?? []).join(', '), corsOrigins: (v.corsOrigins ?? []).join(', '),
    };
    const nu: UpRow[] = (d.saved.upstream ?? d.effective.upstream ?? []).map((u) => ({ name: u.name, kind: u.kind, url: u.url, concurrency: u.concurrency?.toString() ?? '', keySet: u.apiKey.set, newKey: '', clearKey: false }));
    setF(nf); setUps(nu); setInitial({ f: nf, ups: nu });
    setData(d);
  };

  useEffect(() => {
    json(session, SettingsResponse, '/admin/settings').then(fill).catch((e) => setError(errorText(e)));
    json(session, InterfaceList, '/admin/interfaces').then((r) => setIfaces(r.data)).catch(() => setIfaces([]));
  }, [session]);

  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => { setSaved(false); setF((x) => ({ ...x, [k]: e.target.value })); };
  const setUp = (i: number, patch: Partial<UpRow>) => { setSaved(false); setUps((l) => l.map((u, j) => (j === i ? { ...u, ...patch } : u))); };
  const lan = !LOOPBACK.includes(f.host) && !/^127\./.test(f.host);

  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(null); setSaved(false);
    const bad = (['maxConcurrency', 'maxQueue', 'queueTimeoutMs', 'requestTimeoutMs'] as const).find((k) => f[k].trim() !== '' && !/^\d+$/.test(f[k].trim()));
    if (bad) { setError(`${bad}: enter a whole number, or leave it empty for the default.`); return; }
    const n = (s: string) => (s.trim() === '' ? null : Number(s));
    const all: SettingsUpdate = {
      host: f.host, maxConcurrency: n(f.maxConcurrency), maxQueue: n(f.maxQueue), queueTimeoutMs: n(f.queueTimeoutMs), requestTimeoutMs: n(f.requestTimeoutMs),
      allowedHosts: list(f.allowedHosts), corsOrigins: list(f.corsOrigins),
    };
    // Send only what changed, so untouched fields keep following their defaults.
    const body: SettingsUpdate = Object.fromEntries(Object.entries(all).filter(([k]) => f[k as keyof typeof f] !== initial?.f[k as keyof typeof f]));
    if (JSON.stringify(ups) !== JSON.stringify(initial?.ups)) {
      body.upstream = ups.map((u) => ({
        name: u.name.trim(), kind: u.kind, url: u.url.trim(),
        ...(u.concurrency.trim() ? { concurrency: Number(u.concurrency) } : {}),
        ...(u.clearKey ? { apiKey: null } : u.newKey ? { apiKey: u.newKey } : {}),
      }));
    }
    if (Object.keys(body).length === 0) { setSaved(true); return; }
    try { fill(await json(session, SettingsResponse, '/admin/settings', { method: 'PUT', body: JSON.stringify(body) })); setSaved(true); } catch (err) { setError(errorText(err)); }
  };

  if (!data) return <div className="stack"><h1>Limits & network</h1>{error ? <p role="alert" className="error">{error}</p> : <p className="muted">Loading…</p>}</div>;
  const eff = data.effective;

  return (
    <form className="stack" onSubmit={(e) => void save(e)}>
      <h1>Limits & network</h1>
      <p className="note" role="note">Most settings take effect at the next start of Hearth: save, then restart it. The values running now are shown next to each field.</p>
      {error && <p role="alert" className="error">{error}</p>}
      {saved && <p role="status" className="ok">Saved.{data.restartRequired ? ' Restart Hearth to apply the changes.' : ''}</p>}
      {!saved && data.restartRequired && <p className="warn">Saved settings differ from the running ones: restart Hearth to apply them.</p>}

      <section className="card" aria-labelledby="lim-h">
        <h2 id="lim-h">Concurrency, queue and timeouts</h2>
        <div className="grid">
          <label htmlFor="s-conc">Parallel requests per model (most slots)</label>
          <div><input id="s-conc" inputMode="numeric" value={f.maxConcurrency} onChange={set('maxConcurrency')} /> <span className="muted">now {eff.maxConcurrency ?? '—'}</span></div>
          <label htmlFor="s-queue">Queued requests per model</label>
          <div><input id="s-queue" inputMode="numeric" value={f.maxQueue} onChange={set('maxQueue')} /> <span className="muted">now {eff.maxQueue ?? '—'}</span></div>
          <label htmlFor="s-qto">Longest wait in the queue (ms)</label>
          <div><input id="s-qto" inputMode="numeric" value={f.queueTimeoutMs} onChange={set('queueTimeoutMs')} /> <span className="muted">now {eff.queueTimeoutMs ?? '—'}</span></div>
          <label htmlFor="s-rto">Request deadline (ms, 0 = none)</label>
          <div><input id="s-rto" inputMode="numeric" value={f.requestTimeoutMs} onChange={set('requestTimeoutMs')} /> <span className="muted">now {eff.requestTimeoutMs ?? '—'}</span></div>
        </div>
      </section>

      <section className="card" aria-labelledby="net-h">
        <h2 id="net-h">Network</h2>
        <div className="grid">
          <label htmlFor="s-host">Listen on</label>
          <div>
            <select id="s-host" value={f.host} onChange={set('host')}>
              {!ifaces.some((i) => i.address === f.host) && <option value={f.host}>{f.host}</option>}
              {ifaces.map((i) => <option key={`${i.name}-${i.address}`} value={i.address}>{i.address} — {i.name}</option>)}
            </select>
            <span className="muted"> now {eff.host ?? '—'}{eff.port !== undefined ? `:${eff.port}` : ''}</span>
          </div>
        </div>
        {lan
          ? <p className="warn" role="alert" data-testid="lan-warning">{data.notes.find((n) => n.startsWith('LAN')) ?? 'LAN exposure: other devices on your network will be able to reach this server. Anyone with an API key can use your models and your machine will do the work. Only do this on a network you trust.'}</p>
          : <p className="muted">Only programs on this machine can reach Hearth.</p>}
        <div className="grid">
          <label htmlFor="s-hosts">Extra allowed host names (comma list)</label>
          <input id="s-hosts" value={f.allowedHosts} onChange={set('allowedHosts')} placeholder="e.g. hearth.lan" spellCheck={false} />
          <label htmlFor="s-origins">Allowed browser origins for CORS (comma list)</label>
          <input id="s-origins" value={f.corsOrigins} onChange={set('corsOrigins')} placeholder="none: no CORS" spellCheck={false} />
        </div>
      </section>

      <section className="card" aria-labelledby="up-h">
        <h2 id="up-h">Upstreams</h2>
        <p className="muted">Models served by another API appear as <span className="mono">name/model</span>. Keys are write-only: Hearth never shows them again.</p>
        {ups.map((u, i) => (
          <fieldset key={i} className="upstream">
            <legend>Upstream {u.name || i + 1}</legend>
            <div className="grid">
              <label htmlFor={`up-${i}-name`}>Name</label>
              <input id={`up-${i}-name`} value={u.name} onChange={(e) => setUp(i, { name: e.target.value })} spellCheck={false} />
              <label htmlFor={`up-${i}-kind`}>Kind</label>
              <select id={`up-${i}-kind`} value={u.kind} onChange={(e) => setUp(i, { kind: e.target.value as UpRow['kind'] })}>
                <option value="openai">OpenAI-compatible</option><option value="anthropic">Anthropic</option><option value="ollama">Ollama</option>
              </select>
              <label htmlFor={`up-${i}-url`}>URL</label>
              <input id={`up-${i}-url`} value={u.url} onChange={(e) => setUp(i, { url: e.target.value })} spellCheck={false} />
              <label htmlFor={`up-${i}-conc`}>Concurrent requests</label>
              <input id={`up-${i}-conc`} inputMode="numeric" value={u.concurrency} onChange={(e) => setUp(i, { concurrency: e.target.value })} placeholder="8" />
              <label htmlFor={`up-${i}-key`}>API key</label>
              <input id={`up-${i}-key`} type="password" autoComplete="new-password" value={u.newKey} onChange={(e) => setUp(i, { newKey: e.target.value, clearKey: false })} placeholder={u.keySet ? 'set (hidden) — type to replace' : 'not set'} />
              <span />
              <label className="check"><input type="checkbox" checked={u.clearKey} disabled={!u.keySet} onChange={(e) => setUp(i, { clearKey: e.target.checked, newKey: '' })} /> Remove the saved key</label>
            </div>
            <button type="button" className="small" onClick={() => setUps((l) => l.filter((_, j) => j !== i))}>Remove upstream</button>
          </fieldset>
        ))}
        <button type="button" className="small" onClick={() => setUps((l) => [...l, { name: '', kind: 'openai', url: 'https://', concurrency: '', keySet: false, newKey: '', clearKey: false }])}>Add upstream</button>
      </section>

      <div className="row"><button type="submit">Save settings</button></div>
    </form>
  );
}
