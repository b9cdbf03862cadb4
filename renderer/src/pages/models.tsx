// Owns the models page: the catalog with metadata and fit, load/unload/delete, pulling from the
// recommended list or a URL with a live progress bar (NDJSON events) and cancel, and importing a
// file that is on the server machine. With no model yet, the recommended list comes first.
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ModelCatalogResponse, RecommendedResponse, ServableModelList, type ModelRecordWire, type RecommendedWire } from '../../../server/contract/admin.js';
import { PullEvent, type PullProgress } from '../../../server/contract/models.js';
import { call, errorText, json, type Session } from '../api.js';
import { createNdjsonParser, readText } from '../ndjson.js';
import { bytes, count, duration } from '../format.js';
import { safeHref } from '../markdown.js';

interface PullState { source: string; name?: string; id?: string; phase: 'starting' | 'downloading' | 'verifying' | 'done' | 'error' | 'cancelled'; progress?: PullProgress; message?: string }

function Fit({ fit }: { fit?: ModelRecordWire['fit'] }) {
  if (!fit) return <span className="muted">—</span>;
  return <span className={fit.fits ? 'ok' : 'error'} title={fit.reason}>{fit.fits ? `fits (${fit.where.toUpperCase()}, ${fit.slots} slot${fit.slots === 1 ? '' : 's'})` : 'does not fit'}</span>;
}

function PullBar({ p, onCancel, onDismiss }: { p: PullState; onCancel: () => void; onDismiss: () => void }) {
  const total = p.progress?.total ?? null;
  const pct = p.phase === 'done' ? 100 : total ? Math.min(100, Math.floor((p.progress!.bytes / total) * 100)) : undefined;
  const active = p.phase === 'starting' || p.phase === 'downloading' || p.phase === 'verifying';
  return (
    <div className="pull" data-testid="pull">
      <div className="row">
        <strong>{p.name ?? p.source}</strong>
        <span data-testid="pull-phase" className={p.phase === 'error' ? 'error' : p.phase === 'done' ? 'ok' : undefined}>{p.phase}</span>
        {active ? <button type="button" className="danger small" onClick={onCancel}>Cancel</button> : <button type="button" className="small" onClick={onDismiss}>Dismiss</button>}
      </div>
      <label className="sr-only" htmlFor={`pull-${p.source}`}>Download progress</label>
      <progress id={`pull-${p.source}`} max={100} value={pct} aria-valuetext={pct === undefined ? 'unknown' : `${pct}%`} />
      <div className="muted small" data-testid="pull-text">
        {pct !== undefined && <span>{pct}%</span>}
        {p.progress && <span> · {bytes(p.progress.bytes)}{total ? ` of ${bytes(total)}` : ''}{active ? ` · ${bytes(p.progress.speedBps)}/s` : ''}{active && p.progress.etaS !== null ? ` · ${duration(p.progress.etaS * 1000)} left` : ''}</span>}
        {p.message && <span className={p.phase === 'error' ? 'error' : undefined}> {p.message}</span>}
      </div>
    </div>
  );
}

export function ModelsPage({ session }: { session: Session }) {
  const [catalog, setCatalog] = useState<ModelRecordWire[] | null>(null);
  const [loaded, setLoaded] = useState<Set<string>>(new Set());
  const [recommended, setRecommended] = useState<RecommendedWire[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [pulls, setPulls] = useState<PullState[]>([]);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [source, setSource] = useState('');
  const [pullName, setPullName] = useState('');
  const [sha, setSha] = useState('');
  const [importPath, setImportPath] = useState('');
  const [importName, setImportName] = useState('');
  const [importMode, setImportMode] = useState<'copy' | 'link'>('copy');
  const aborts = useRef(new Map<string, AbortController>());

  const refresh = useCallback(async () => {
    try {
      const [c, s] = await Promise.all([json(session, ModelCatalogResponse, '/admin/models/catalog'), json(session, ServableModelList, '/admin/models')]);
      setCatalog(c.data);
      setLoaded(new Set(s.data.filter((m) => m.loaded).map((m) => m.id)));
      setError(null);
    } catch (e) { setError(errorText(e)); }
  }, [session]);

  useEffect(() => {
    void refresh();
    json(session, RecommendedResponse, '/admin/models/recommended').then((r) => setRecommended(r.data)).catch(() => setRecommended([]));
    const ab = aborts.current;
    return () => { for (const a of ab.values()) a.abort(); };
  }, [session, refresh]);

  const setPull = (src: string, fn: (p: PullState) => PullState) => setPulls((l) => l.map((p) => (p.source === src ? fn(p) : p)));

  const pull = async (src: string, name?: string, sha256?: string) => {
    if (pulls.some((p) => p.source === src && (p.phase === 'starting' || p.phase === 'downloading' || p.phase === 'verifying'))) return;
    const ac = new AbortController();
    aborts.current.set(src, ac);
    setPulls((l) => [{ source: src, ...(name ? { name } : {}), phase: 'starting' }, ...l.filter((p) => p.source !== src)]);
    try {
      const res = await call(session, '/admin/models/pull', { method: 'POST', signal: ac.signal, body: JSON.stringify({ source: src, ...(name ? { name } : {}), ...(sha256 ? { sha256 } : {}) }) });
      const parser = createNdjsonParser((v) => {
        const r = PullEvent.safeParse(v);
        if (!r.success) return;
        const e = r.data;
        if (e.type === 'started') setPull(src, (p) => ({ ...p, id: e.id, name: e.name }));
        else if (e.type === 'progress') setPull(src, (p) => ({ ...p, phase: 'downloading', progress: { bytes: e.bytes, total: e.total, speedBps: e.speedBps, etaS: e.etaS } }));
        else if (e.type === 'verifying') setPull(src, (p) => ({ ...p, phase: 'verifying' }));
        else if (e.type === 'done') setPull(src, (p) => ({ ...p, phase: 'done', name: e.name, message: `${bytes(e.size)} · sha256 ${e.sha256.slice(0, 12)}…` }));
        else setPull(src, (p) => ({ ...p, phase: e.code === 'ERR_PULL_CANCELLED' ? 'cancelled' : 'error', message: e.message }));
      });
      await readText(res.body!, parser);
    } catch (e) {
      setPull(src, (p) => (ac.signal.aborted ? { ...p, phase: 'cancelled' } : { ...p, phase: 'error', message: errorText(e) }));
    } finally {
      aborts.current.delete(src);
      setPull(src, (p) => (p.phase === 'starting' || p.phase === 'downloading' || p.phase === 'verifying' ? { ...p, phase: 'error', message: 'The download stopped.' } : p));
      void refresh();
    }
  };

  const cancel = async (p: PullState) => {
    if (p.id) await call(session, `/admin/models/pull/${encodeURIComponent(p.id)}`, { method: 'DELETE' }).catch(() => undefined);
    aborts.current.get(p.source)?.abort();
  };

  const act = async (name: string, what: 'load' | 'unload' | 'delete') => {
    setBusy(`${what}:${name}`); setNotice(null);
    try {
      if (what === 'delete') await call(session, `/admin/models/${encodeURIComponent(name)}`, { method: 'DELETE' });
      else await call(session, `/admin/models/${encodeURIComponent(name)}/${what}`, { method: 'POST' });
      setNotice(`${what === 'load' ? 'Loaded' : what === 'unload' ? 'Unloaded' : 'Deleted'} ${name}.`);
      setConfirmDelete(null);
    } catch (e) { setError(errorText(e)); } finally { setBusy(null); void refresh(); }
  };

  const submitPull = (e: FormEvent) => {
    e.preventDefault();
    if (!source.trim()) return;
    void pull(source.trim(), pullName.trim() || undefined, sha.trim() || undefined);
  };

  const submitImport = async (e: FormEvent) => {
    e.preventDefault();
    if (!importPath.trim()) return;
    setBusy('import'); setNotice(null);
    try {
      await call(session, '/admin/models/import', { method: 'POST', body: JSON.stringify({ path: importPath.trim(), mode: importMode, ...(importName.trim() ? { name: importName.trim() } : {}) }) });
      setNotice(`Imported ${importName.trim() || importPath.trim()}.`);
      setImportPath(''); setImportName('');
    } catch (err) { setError(errorText(err)); } finally { setBusy(null); void refresh(); }
  };

  const firstRun = catalog !== null && catalog.length === 0;

  const recommendedSection = (
    <section className="card" aria-labelledby="rec-h">
      <h2 id="rec-h">{firstRun ? 'Get your first model' : 'Recommended models'}</h2>
      {firstRun && <p>There is no model on this machine yet. Pick one below to download it (smallest first), or pull from a URL.</p>}
      <table>
        <thead><tr><th>Model</th><th>Size</th><th>Parameters</th><th>Context</th><th>Licence</th><th>Fit</th><th /></tr></thead>
        <tbody>
          {recommended.map((r) => {
            const lic = safeHref(r.licenseUrl);
            return (
              <tr key={r.id}>
                <td>{r.title}</td><td>{bytes(r.sizeBytes)}</td><td>{count(r.parameterCount)}</td><td>{count(r.contextLength)}</td>
                <td>{lic ? <a href={lic} target="_blank" rel="noopener noreferrer">{r.license}</a> : r.license}</td>
                <td><Fit fit={r.fit} /></td>
                <td><button type="button" className="small" onClick={() => void pull(r.source)} aria-label={`Pull ${r.title}`}>Pull</button></td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );

  return (
    <div className="stack">
      <h1>Models</h1>
      {error && <p role="alert" className="error">{error}</p>}
      {notice && <p role="status" className="ok">{notice}</p>}
      {pulls.length > 0 && <section className="card" aria-label="Downloads">{pulls.map((p) => <PullBar key={p.source} p={p} onCancel={() => void cancel(p)} onDismiss={() => setPulls((l) => l.filter((x) => x !== p))} />)}</section>}
      {firstRun && recommendedSection}
      <section className="card" aria-labelledby="lib-h">
        <h2 id="lib-h">On this machine</h2>
        {catalog === null ? <p className="muted">Loading…</p> : catalog.length === 0 ? <p className="muted">No models yet.</p> : (
          <table data-testid="catalog">
            <thead><tr><th>Name</th><th>Size</th><th>Architecture</th><th>Parameters</th><th>Quantization</th><th>Context</th><th>Fit</th><th>State</th><th>Actions</th></tr></thead>
            <tbody>
              {catalog.map((m) => (
                <tr key={m.name} data-model={m.name}>
                  <td><span className="mono">{m.name}</span>{m.metadata?.displayName && m.metadata.displayName !== m.name && <div className="muted small">{m.metadata.displayName}</div>}</td>
                  <td>{bytes(m.size)}</td>
                  <td>{m.metadata?.architecture ?? '—'}</td>
                  <td>{count(m.metadata?.parameterCount)}</td>
                  <td>{m.metadata?.quantization ?? '—'}</td>
                  <td>{count(m.metadata?.contextLength)}</td>
                  <td><Fit fit={m.fit} /></td>
                  <td>{!m.valid ? <span className="error" title={m.reason}>invalid: {m.reason}</span> : loaded.has(m.name) ? <span className="ok">loaded</span> : 'on disk'}</td>
                  <td className="actions">
                    {m.valid && (loaded.has(m.name)
                      ? <button type="button" className="small" disabled={busy !== null} onClick={() => void act(m.name, 'unload')} aria-label={`Unload ${m.name}`}>Unload</button>
                      : <button type="button" className="small" disabled={busy !== null} onClick={() => void act(m.name, 'load')} aria-label={`Load ${m.name}`}>{busy === `load:${m.name}` ? 'Loading…' : 'Load'}</button>)}
                    {confirmDelete === m.name
                      ? <><button type="button" className="danger small" disabled={busy !== null} onClick={() => void act(m.name, 'delete')}>Confirm delete</button><button type="button" className="small" onClick={() => setConfirmDelete(null)}>Keep</button></>
                      : <button type="button" className="small" disabled={busy !== null} onClick={() => setConfirmDelete(m.name)} aria-label={`Delete ${m.name}`}>Delete</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card" aria-labelledby="pull-h">
        <h2 id="pull-h">Pull from a URL</h2>
        <form className="grid" onSubmit={submitPull}>
          <label htmlFor="pull-source">Source (https:// URL or hf:owner/repo/file.gguf)</label>
          <input id="pull-source" value={source} onChange={(e) => setSource(e.target.value)} spellCheck={false} />
          <label htmlFor="pull-name">Name (optional)</label>
          <input id="pull-name" value={pullName} onChange={(e) => setPullName(e.target.value)} spellCheck={false} />
          <label htmlFor="pull-sha">SHA-256 (optional)</label>
          <input id="pull-sha" value={sha} onChange={(e) => setSha(e.target.value)} spellCheck={false} />
          <div />
          <button type="submit" disabled={!source.trim()}>Pull</button>
        </form>
      </section>
      {!firstRun && recommendedSection}
      <section className="card" aria-labelledby="import-h">
        <h2 id="import-h">Import a file on the server machine</h2>
        <form className="grid" onSubmit={(e) => void submitImport(e)}>
          <label htmlFor="import-path">Path of a .gguf file</label>
          <input id="import-path" value={importPath} onChange={(e) => setImportPath(e.target.value)} spellCheck={false} />
          <label htmlFor="import-name">Name (optional)</label>
          <input id="import-name" value={importName} onChange={(e) => setImportName(e.target.value)} spellCheck={false} />
          <label htmlFor="import-mode">Mode</label>
          <select id="import-mode" value={importMode} onChange={(e) => setImportMode(e.target.value as 'copy' | 'link')}>
            <option value="copy">copy into the models folder</option>
            <option value="link">link to the file where it is</option>
          </select>
          <div />
          <button type="submit" disabled={!importPath.trim() || busy !== null}>Import</button>
        </form>
      </section>
    </div>
  );
}
