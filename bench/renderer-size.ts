// Owns the renderer bundle-size benchmark: builds renderer/dist (npm run build:renderer), measures
// each emitted file raw and gzipped (level 9), and writes bench/results/renderer-size.json with the
// total against the goal of 300 KB gzipped. Run: node --import tsx bench/renderer-size.ts [--no-build]
import { spawnSync } from 'node:child_process';
import { machineInfo } from './lib/machine.js';
import { barChart } from './lib/svg-chart.js';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'renderer', 'dist');
const OUT = path.join(ROOT, 'bench', 'results', 'renderer-size.json');
export const GOAL_GZIP_BYTES = 300 * 1000;

export interface FileSize { file: string; bytes: number; gzipBytes: number }
export interface RendererSize { at: string; files: FileSize[]; totalBytes: number; totalGzipBytes: number; goalGzipBytes: number; withinGoal: boolean }

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** Sizes of every file in `dist` (what a browser downloads: scripts, styles, html). */
export function measure(dist = DIST): RendererSize {
  const files = walk(dist).sort().map((p) => {
    const b = readFileSync(p);
    return { file: path.relative(dist, p).split(path.sep).join('/'), bytes: b.length, gzipBytes: gzipSync(b, { level: 9 }).length };
  });
  const totalGzipBytes = files.reduce((a, f) => a + f.gzipBytes, 0);
  return {
    at: new Date().toISOString(), files, totalBytes: files.reduce((a, f) => a + f.bytes, 0), totalGzipBytes,
    goalGzipBytes: GOAL_GZIP_BYTES, withinGoal: totalGzipBytes <= GOAL_GZIP_BYTES,
  };
}

/** Builds the renderer (unless `build` is false), measures it and writes bench/results/renderer-size.{json,svg}. */
export async function run(build = true): Promise<RendererSize> {
  if (build) {
    const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build:renderer'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('renderer build failed');
  }
  const m = measure();
  mkdirSync(path.dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify({ machine: machineInfo(), ...m }, null, 2) + '\n');
  writeFileSync(OUT.replace(/\.json$/, '.svg'), barChart({
    title: `Renderer bundle, gzipped (goal ≤ ${GOAL_GZIP_BYTES / 1000} KB)`, unit: 'KB',
    series: [...m.files.map((f) => ({ label: f.file.replace(/^assets\//, ''), value: Math.round(f.gzipBytes / 100) / 10 })), { label: 'total', value: Math.round(m.totalGzipBytes / 100) / 10 }],
  }));
  for (const f of m.files) console.log(`${f.file.padEnd(40)} ${String(f.bytes).padStart(9)} B  ${String(f.gzipBytes).padStart(8)} B gzip`);
  console.log(`total gzipped: ${(m.totalGzipBytes / 1000).toFixed(1)} KB (goal ≤ ${GOAL_GZIP_BYTES / 1000} KB: ${m.withinGoal ? 'met' : 'NOT met'}) → ${path.relative(ROOT, OUT)}`);
  return m;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run(!process.argv.includes('--no-build'));
}
