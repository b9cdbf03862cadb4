// Owns the health page: readiness, engine worker state and restarts, live slots and queue per model
// (polls GET /admin/status every 1.5 s), a tokens-per-second chart (inline SVG) and recent requests.
import { useEffect, useState } from 'react';
import { AdminStatus, type AdminStatus as Status } from '../../../server/contract/admin.js';
import { errorText, json, type Session } from '../api.js';
import { duration, when } from '../format.js';

const POLL_MS = 1500;

/** A line chart of tokens/s over time, as SVG elements only. */
export function ThroughputChart({ points }: { points: Array<{ t: number; tps: number }> }) {
  const W = 600; const H = 140; const pad = 28;
  if (points.length < 2) return <p className="muted">No data yet.</p>;
  const max = Math.max(1, ...points.map((p) => p.tps));
  const t0 = points[0]!.t; const t1 = points[points.length - 1]!.t;
  const x = (t: number) => pad + ((t - t0) / Math.max(1, t1 - t0)) * (W - pad - 6);
  const y = (v: number) => H - 18 - (v / max) * (H - 30);
  const line = points.map((p) => `${x(p.t).toFixed(1)},${y(p.tps).toFixed(1)}`).join(' ');
  const area = `${x(t0).toFixed(1)},${y(0)} ${line} ${x(t1).toFixed(1)},${y(0)}`;
  const minutes = Math.round((t1 - t0) / 60_000);
  return (
    <svg className="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Tokens per second over the last ${minutes} minutes, peak ${max.toFixed(1)}`}>
      <line x1={pad} y1={y(0)} x2={W - 6} y2={y(0)} className="axis" />
      <line x1={pad} y1={y(max)} x2={W - 6} y2={y(max)} className="grid-line" />
      <text x={2} y={y(max) + 4} className="tick">{max >= 10 ? Math.round(max) : max.toFixed(1)}</text>
      <text x={2} y={y(0) + 4} className="tick">0</text>
      <text x={pad} y={H - 2} className="tick">−{minutes} min</text>
      <text x={W - 40} y={H - 2} className="tick">now</text>
      <polygon points={area} className="area" />
      <polyline points={line} className="line" />
    </svg>
  );
}

export function HealthPage({ session }: { session: Session }) {
  const [s, setS] = useState<Status | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let stop = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try { const r = await json(session, AdminStatus, '/admin/status'); if (!stop) { setS(r); setError(null); } } catch (e) { if (!stop) setError(errorText(e)); }
      if (!stop) timer = setTimeout(() => void tick(), POLL_MS);
    };
    void tick();
    return () => { stop = true; if (timer) clearTimeout(timer); };
  }, [session]);

  if (!s) return <div className="stack"><h1>Health</h1>{error ? <p role="alert" className="error">{error}</p> : <p className="muted">Loading…</p>}</div>;
  const pools = Object.entries(s.models);

  return (
    <div className="stack">
      <h1>Health</h1>
      {error && <p role="alert" className="error">Lost contact: {error}</p>}
      <section className="card" aria-labelledby="ready-h">
        <h2 id="ready-h">Server</h2>
        <dl className="facts">
          <dt>Ready</dt><dd data-testid="ready" className={s.ready ? 'ok' : 'error'}>{s.ready ? 'yes' : 'no'} — {s.reason}</dd>
          <dt>Engine worker</dt><dd data-testid="engine-state">{s.engine.state}</dd>
          <dt>Worker restarts</dt><dd data-testid="engine-restarts">{s.engine.restarts}</dd>
          {s.engine.lastCrash && <><dt>Last crash</dt><dd className="error">{s.engine.lastCrash.reason}</dd></>}
          <dt>GPU</dt><dd>{String(s.engine.gpu ?? '—')}</dd>
          <dt>Threads</dt><dd>{s.engine.threads ?? '—'}</dd>
          {s.address && <><dt>Address</dt><dd className="mono">{s.address.host}:{s.address.port}</dd></>}
          {s.uptimeS !== undefined && <><dt>Up for</dt><dd>{duration(s.uptimeS * 1000)}</dd></>}
        </dl>
      </section>
      <section className="card" aria-labelledby="pools-h">
        <h2 id="pools-h">Slots and queue</h2>
        {pools.length === 0 ? <p className="muted">No model is loaded.</p> : (
          <table data-testid="pools">
            <thead><tr><th>Model</th><th>Slots in use</th><th>Queue</th><th>Estimated wait</th><th>Tokens/s (one request)</th></tr></thead>
            <tbody>
              {pools.map(([pool, p]) => (
                <tr key={pool} data-pool={pool}>
                  <td className="mono">{pool}</td>
                  <td><meter min={0} max={Math.max(1, p.slotsTotal)} value={p.slotsUsed} aria-label={`slots used by ${pool}`} /> <span data-testid="slots">{p.slotsUsed} / {p.slotsTotal}</span></td>
                  <td data-testid="queue">{p.queueDepth}</td>
                  <td>{duration(p.estimatedWaitMs)}</td>
                  <td>{p.tokensPerSecond}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section className="card" aria-labelledby="tps-h">
        <h2 id="tps-h">Tokens per second</h2>
        <ThroughputChart points={s.throughput} />
      </section>
      <section className="card" aria-labelledby="recent-h">
        <h2 id="recent-h">Recent requests</h2>
        {s.recent.length === 0 ? <p className="muted">No requests yet.</p> : (
          <table data-testid="recent">
            <thead><tr><th>When</th><th>Model</th><th>Key</th><th>Status</th><th>Latency</th><th>Tokens in/out</th></tr></thead>
            <tbody>
              {s.recent.slice(0, 30).map((r, i) => (
                <tr key={`${r.at}-${i}`}>
                  <td>{when(r.at)}</td>
                  <td className="mono">{r.model}</td>
                  <td>{r.keyName}</td>
                  <td className={r.status >= 400 ? 'error' : 'ok'} title={r.error}>{r.status}</td>
                  <td>{duration(r.latencyMs)}</td>
                  <td>{r.promptTokens} / {r.completionTokens}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
