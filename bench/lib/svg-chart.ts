// Owns the benchmark charts: small dependency-free SVG bar and line charts returned as strings.

export interface BarSeries { label: string; value: number }
export interface BarChartOptions { title: string; unit: string; series: BarSeries[]; width?: number }

export interface LinePoint { x: number; y: number }
export interface LineSeries { label: string; points: LinePoint[] }
export interface LineChartOptions { title: string; xLabel: string; unit: string; series: LineSeries[]; width?: number; height?: number }

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
}

/** "Nice" axis maximum at or above v. */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** Horizontal bars, one per series item, each labelled with its value and unit. */
export function barChart({ title, unit, series, width = 760 }: BarChartOptions): string {
  const rowH = 26; const top = 40; const labelW = Math.min(360, 40 + 7 * Math.max(0, ...series.map((s) => s.label.length)));
  const plotW = width - labelW - 90;
  const height = top + series.length * rowH + 30;
  const max = niceMax(Math.max(0, ...series.map((s) => s.value)));
  const rows = series.map((s, i) => {
    const y = top + i * rowH;
    const w = Math.max(0, (s.value / max) * plotW);
    return `<text x="${labelW - 8}" y="${y + 17}" text-anchor="end">${esc(s.label)}</text>` +
      `<rect x="${labelW}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLORS[i % COLORS.length]}"/>` +
      `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + 17}">${esc(fmt(s.value))} ${esc(unit)}</text>`;
  }).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
<line x1="${labelW}" y1="${top}" x2="${labelW}" y2="${top + series.length * rowH}" stroke="#333"/>
${rows}
<text x="${labelW}" y="${height - 8}" fill="#666">0</text><text x="${labelW + plotW}" y="${height - 8}" text-anchor="end" fill="#666">${esc(fmt(max))} ${esc(unit)}</text>
</svg>\n`;
}

/** Lines over a shared numeric x axis, with a legend. */
export function lineChart({ title, xLabel, unit, series, width = 760, height = 380 }: LineChartOptions): string {
  const left = 60; const right = 170; const top = 40; const bottom = 50;
  const pw = width - left - right; const ph = height - top - bottom;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const xMin = Math.min(0, ...xs); const xMax = Math.max(1, ...xs);
  const yMax = niceMax(Math.max(0, ...ys));
  const X = (x: number) => left + ((x - xMin) / (xMax - xMin || 1)) * pw;
  const Y = (y: number) => top + ph - (y / yMax) * ph;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = top + ph - f * ph;
    return `<line x1="${left}" y1="${y}" x2="${left + pw}" y2="${y}" stroke="#ddd"/><text x="${left - 6}" y="${y + 4}" text-anchor="end" fill="#666">${esc(fmt(f * yMax))}</text>`;
  }).join('\n');
  const xTicks = [...new Set(xs)].sort((a, b) => a - b).slice(0, 20).map((x) =>
    `<text x="${X(x).toFixed(1)}" y="${top + ph + 16}" text-anchor="middle" fill="#666">${esc(fmt(x))}</text>`).join('');
  const lines = series.map((s, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = [...s.points].sort((a, b) => a.x - b.x);
    const d = pts.map((p, k) => `${k ? 'L' : 'M'}${X(p.x).toFixed(1)},${Y(p.y).toFixed(1)}`).join(' ');
    const dots = pts.map((p) => `<circle cx="${X(p.x).toFixed(1)}" cy="${Y(p.y).toFixed(1)}" r="3" fill="${c}"/>`).join('');
    const ly = top + 14 + i * 18;
    return `<path d="${d}" fill="none" stroke="${c}" stroke-width="2"/>${dots}` +
      `<rect x="${left + pw + 14}" y="${ly - 9}" width="12" height="12" fill="${c}"/><text x="${left + pw + 30}" y="${ly + 1}">${esc(s.label)}</text>`;
  }).join('\n');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="#fff"/>
<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>
${grid}
<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#333"/>
${xTicks}
<text x="${left + pw / 2}" y="${height - 12}" text-anchor="middle">${esc(xLabel)}</text>
<text x="14" y="${top + ph / 2}" transform="rotate(-90 14 ${top + ph / 2})" text-anchor="middle">${esc(unit)}</text>
${lines}
</svg>\n`;
}
