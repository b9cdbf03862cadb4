// Owns the proxy-overhead benchmark (issue 5, acceptance 6): in one sitting, the same tiny
// non-streamed OpenAI chat completion from a minimal upstream, five ways — direct, through nginx
// (Debian nginx-light, the floor of what any proxy costs), through a bare node:http + undici proxy
// (the floor of any Node.js proxy on this machine), through a bare Express 5 proxy, and through Hearth
// (auth, key limits, admission, access log and metrics on) — with autocannon: added time per request
// at 1 connection, requests/s at 32. Hearth runs as installed: the tsc build, through bin/hearth.js.
// Writes bench/results/proxy-overhead.{json,svg}.
// Run: node --import tsx bench/proxy-overhead.ts   (env: BENCH_SECONDS=8, BENCH_ROUNDS=3, BENCH_LOG_LEVEL=info)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { machineInfo, waitForQuiet } from './lib/machine.js';
import { barChart } from './lib/svg-chart.js';
import { median, round } from './lib/stats.js';
import { REPO_ROOT, runCli } from '../test/support/server.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const RESULTS_DIR = path.join(HERE, 'results');
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = 2;
const LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'info';
const ADMIN = 'hth_admin_bench_proxy_overhead_0123456789';

/** The minimal upstream: answers every POST with one small chat.completion (keep-alive on). */
const UPSTREAM_SRC = `
const http = require('node:http');
const body = JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion', created: 1700000000, model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: 'Hello there!' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 5, completion_tokens: 3, total_tokens: 8 } });
const srv = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }); res.end(body); });
});
srv.keepAliveTimeout = 65000;
srv.listen(0, '127.0.0.1', () => console.log('port ' + srv.address().port));
`;

/**
 * The floor of an Express 5 proxy: express.json() and one route forwarding to the upstream with a
 * keep-alive agent — no host check, auth, limits, admission, logging or metrics. Hearth is built on
 * Express 5 (the contract's choice), so this is what any Express-based proxy pays on this machine.
 */
const EXPRESS_SRC = `
import express from 'express';
import http from 'node:http';
const agent = new http.Agent({ keepAlive: true });
const app = express();
app.use(express.json());
app.post('/v1/chat/completions', (req, res) => {
  const body = JSON.stringify(req.body);
  const up = http.request({ host: '127.0.0.1', port: Number(process.env.UPSTREAM_PORT), method: 'POST', path: '/v1/chat/completions', agent,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (ur) => {
    const out = []; ur.on('data', (c) => out.push(c)); ur.on('end', () => res.json(JSON.parse(Buffer.concat(out).toString())));
  });
  up.end(body);
});
const srv = app.listen(0, '127.0.0.1', () => console.log('port ' + srv.address().port));
`;

/**
 * The floor of any Node.js proxy: node:http in, undici out (the transport Hearth uses), the JSON body
 * parsed, forwarded, the answer parsed and re-sent — and nothing else: no host check, auth, limits,
 * admission, logging or metrics.
 */
const NODE_SRC = `
import http from 'node:http';
import { Agent } from 'undici';
const agent = new Agent();
const origin = 'http://127.0.0.1:' + process.env.UPSTREAM_PORT;
const headers = { 'content-type': 'application/json' };
const srv = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString());
    const out = [];
    agent.dispatch({ origin, path: '/v1/chat/completions', method: 'POST', headers, body: JSON.stringify(body) }, {
      onRequestStart() {}, onResponseStart() {}, onResponseData(_c, d) { out.push(d); },
      onResponseError() { res.statusCode = 502; res.end(); },
      onResponseEnd() { const text = JSON.stringify(JSON.parse(Buffer.concat(out).toString())); res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }); res.end(text); },
    });
  });
});
srv.keepAliveTimeout = 65000;
srv.listen(0, '127.0.0.1', () => console.log('port ' + srv.address().port));
`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

/**
 * Spawns `cmd` and resolves with the first stdout match of `re` (bounded wait). With `stderrFile`, the
 * process's stderr goes to that file, as it would to a terminal or a journal, instead of through a
 * pipe into this process, which is also the load generator (it would read a busy server's log lines).
 */
function spawnUntil(cmd: string, args: string[], re: RegExp, opts: { env?: NodeJS.ProcessEnv; cwd?: string; stderrFile?: string } = {}): Promise<{ proc: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    const errFd = opts.stderrFile ? openSync(opts.stderrFile, 'w') : undefined;
    const proc = spawn(cmd, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', errFd ?? 'pipe'] });
    if (errFd !== undefined) closeSync(errFd);
    let out = ''; let err = '';
    const errText = () => (opts.stderrFile ? readFileSync(opts.stderrFile, 'utf8').slice(-20_000) : err);
    const t = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`${cmd} did not start:\n${errText()}`)); }, 60_000);
    proc.stderr?.on('data', (d) => { if (err.length < 20_000) err += d; });
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = re.exec(out);
      if (m) { clearTimeout(t); proc.stdout!.removeAllListeners('data'); proc.stdout!.resume(); resolve({ proc, match: m }); }
    });
    proc.once('exit', (code) => { clearTimeout(t); reject(new Error(`${cmd} exited with ${code}:\n${errText()}`)); });
  });
}

async function stop(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(t);
}

function nginxConf(dir: string, listen: number, upstreamPort: number): string {
  return `worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${listen};
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`;
}

interface Run { requestsPerSec: number; latencyMeanMs: number; latencyP50Ms: number; latencyP99Ms: number; perRequestMs: number; non2xx: number; errors: number }

async function cannon(url: string, headers: Record<string, string>, body: string, connections: number, seconds: number): Promise<Run> {
  const r = await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, connections, pipelining: 1, duration: seconds });
  return {
    requestsPerSec: r.requests.average,
    latencyMeanMs: r.latency.mean,
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    // At 1 connection, requests run back to back: 1/throughput is the time per request (sub-ms resolution).
    perRequestMs: r.requests.total > 0 ? (seconds * 1000 * connections) / r.requests.total : NaN,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
  };
}

const PATHS = ['direct', 'nginx', 'node', 'express', 'hearth'] as const;
type PathName = (typeof PATHS)[number];

async function main() {
  const loadBefore = await waitForQuiet(1.5, Number(process.env.BENCH_QUIET_WAIT_MS ?? 60_000), (m) => process.stderr.write(m + '\n'));
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-proxy-'));
  let upstream: ChildProcess | undefined; let nginx: ChildProcess | undefined; let hearth: ChildProcess | undefined; let expressProxy: ChildProcess | undefined; let nodeProxy: ChildProcess | undefined;
  try {
    const up = await spawnUntil(process.execPath, ['-e', UPSTREAM_SRC], /port (\d+)\n/);
    upstream = up.proc;
    const upstreamPort = Number(up.match[1]);

    const nginxDir = path.join(tmp, 'nginx');
    mkdirSync(nginxDir);
    const nginxPort = await freePort();
    writeFileSync(path.join(nginxDir, 'nginx.conf'), nginxConf(nginxDir, nginxPort, upstreamPort));
    const nginxVersion = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim();
    nginx = spawn('nginx', ['-e', path.join(nginxDir, 'error.log'), '-c', path.join(nginxDir, 'nginx.conf'), '-p', nginxDir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const ok = await new Promise<boolean>((r) => { const s = net.connect(nginxPort, '127.0.0.1', () => { s.destroy(); r(true); }); s.once('error', () => r(false)); });
      if (ok) break;
      await new Promise((r) => setTimeout(r, 50));
    }

    const np = await spawnUntil(process.execPath, ['--input-type=module', '-e', NODE_SRC], /port (\d+)\n/, { cwd: REPO_ROOT, env: { UPSTREAM_PORT: String(upstreamPort) } });
    nodeProxy = np.proc;
    const nodePort = Number(np.match[1]);

    const ex = await spawnUntil(process.execPath, ['--input-type=module', '-e', EXPRESS_SRC], /port (\d+)\n/, { cwd: REPO_ROOT, env: { UPSTREAM_PORT: String(upstreamPort) } });
    expressProxy = ex.proc;
    const expressPort = Number(ex.match[1]);

    // Hearth: the upstream declared in settings (concurrency 64 ≥ 32 connections), an API key with a generous rpm.
    const dataDir = path.join(tmp, 'hearth');
    mkdirSync(dataDir, { mode: 0o700 });
    writeFileSync(path.join(dataDir, 'settings.json'), JSON.stringify({ upstream: [{ name: 'u', kind: 'openai', url: `http://127.0.0.1:${upstreamPort}`, concurrency: 64 }] }), { mode: 0o600 });
    const created = await runCli(['keys', 'create', '--name', 'bench', '--rpm', '100000000', '--data-dir', dataDir]);
    if (created.code !== 0) throw new Error(`keys create failed: ${created.stderr}`);
    const apiKey = created.stdout.trim();
    // Hearth as it is installed and run (npm run serve, the packages, the container): compiled by tsc, not through tsx.
    const built = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`tsc failed:\n${built.stdout}${built.stderr}`);
    const h = await spawnUntil(process.execPath, [path.join(REPO_ROOT, 'bin', 'hearth.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--threads', '1'], /hearth listening on (http:\/\/\S+)\n/, {
      cwd: REPO_ROOT, env: { HEARTH_ADMIN_TOKEN: ADMIN, HEARTH_LOG_LEVEL: LOG_LEVEL }, stderrFile: path.join(tmp, 'hearth.stderr.log'),
    });
    hearth = h.proc;
    const hearthUrl = h.match[1]!;

    const msg = { messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 };
    const targets: Record<PathName, { url: string; headers: Record<string, string>; body: string }> = {
      direct: { url: `http://127.0.0.1:${upstreamPort}/v1/chat/completions`, headers: {}, body: JSON.stringify({ model: 'm', ...msg }) },
      nginx: { url: `http://127.0.0.1:${nginxPort}/v1/chat/completions`, headers: {}, body: JSON.stringify({ model: 'm', ...msg }) },
      node: { url: `http://127.0.0.1:${nodePort}/v1/chat/completions`, headers: {}, body: JSON.stringify({ model: 'm', ...msg }) },
      express: { url: `http://127.0.0.1:${expressPort}/v1/chat/completions`, headers: {}, body: JSON.stringify({ model: 'm', ...msg }) },
      hearth: { url: `${hearthUrl}/v1/chat/completions`, headers: { authorization: `Bearer ${apiKey}` }, body: JSON.stringify({ model: 'u/m', ...msg }) },
    };
    // Sanity: every path answers the same completion.
    for (const p of PATHS) {
      const r = await fetch(targets[p].url, { method: 'POST', headers: { 'content-type': 'application/json', ...targets[p].headers }, body: targets[p].body });
      const j = (await r.json()) as { choices?: { message?: { content?: string } }[] };
      if (r.status !== 200 || j.choices?.[0]?.message?.content !== 'Hello there!') throw new Error(`${p} answered ${r.status}: ${JSON.stringify(j)}`);
    }

    const runs = Object.fromEntries(PATHS.map((p) => [p, { c1: [] as Run[], c32: [] as Run[] }])) as Record<PathName, { c1: Run[]; c32: Run[] }>;
    for (const conns of [32, 1]) for (const p of PATHS) { const t = targets[p]; await cannon(t.url, t.headers, t.body, conns, WARMUP_SECONDS); }
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      for (const conns of [1, 32] as const) {
        for (const p of PATHS) {
          const t = targets[p];
          const r = await cannon(t.url, t.headers, t.body, conns, SECONDS);
          if (r.non2xx || r.errors) throw new Error(`${p} at ${conns} connections: ${r.non2xx} non-2xx, ${r.errors} errors`);
          runs[p][conns === 1 ? 'c1' : 'c32'].push(r);
          process.stderr.write(`round ${round_ + 1} ${p} c=${conns}: ${round(r.requestsPerSec, 0)} req/s, ${round(r.perRequestMs, 3)} ms/req\n`);
        }
      }
    }

    const med = (p: PathName, c: 'c1' | 'c32', k: keyof Run) => median(runs[p][c].map((r) => r[k]));
    const perReq = Object.fromEntries(PATHS.map((p) => [p, med(p, 'c1', 'perRequestMs')])) as Record<PathName, number>;
    const rps32 = Object.fromEntries(PATHS.map((p) => [p, med(p, 'c32', 'requestsPerSec')])) as Record<PathName, number>;
    const summary = {
      addedMsPerRequestAt1: { nginx: round(perReq.nginx - perReq.direct, 3), node: round(perReq.node - perReq.direct, 3), express: round(perReq.express - perReq.direct, 3), hearth: round(perReq.hearth - perReq.direct, 3) },
      msPerRequestAt1: Object.fromEntries(PATHS.map((p) => [p, round(perReq[p], 3)])),
      requestsPerSecAt32: Object.fromEntries(PATHS.map((p) => [p, round(rps32[p], 0)])),
      nginxOverDirectAt32: round(rps32.nginx / rps32.direct, 3),
      nodeOverNginxAt32: round(rps32.node / rps32.nginx, 3),
      expressOverNginxAt32: round(rps32.express / rps32.nginx, 3),
      hearthOverNginxAt32: round(rps32.hearth / rps32.nginx, 3),
      hearthOverNodeAt32: round(rps32.hearth / rps32.node, 3),
      hearthOverExpressAt32: round(rps32.hearth / rps32.express, 3),
      goals: {
        hearthAddedMsAtMost: 0.3, hearthAddedMsMet: perReq.hearth - perReq.direct <= 0.3,
        hearthOverNginxAtLeast: 0.5, hearthOverNginxMet: rps32.hearth / rps32.nginx >= 0.5,
      },
    };
    const result = {
      benchmark: 'proxy-overhead',
      machine: machineInfo(),
      settings: { loadAverageAtStart: round(loadBefore, 2), secondsPerRun: SECONDS, rounds: ROUNDS, warmupSeconds: WARMUP_SECONDS, warmup: 'each path, at 32 and then at 1 connection', hearthLogLevel: LOG_LEVEL, nginx: `${nginxVersion}, 1 worker, upstream keepalive`, hearth: 'API key (rpm limit), in-memory limits, admission on upstream pool (64 slots), access log (info, to stderr and <data-dir>/logs/hearth.log; stderr goes to a file, not through a pipe into the load generator) and metrics, one node process running the tsc build (bin/hearth.js, as npm run serve and the packages do); the request is served by the fast lane',
        node: 'node:http + undici, parse/forward/parse/re-send, nothing else', express: 'express.json() and one forwarding route (node:http client), nothing else', upstream: 'node:http, one tiny chat.completion JSON per POST', client: 'autocannon 9, in the benchmark process', aggregate: 'median over rounds' },
      summary,
      runs,
    };
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(path.join(RESULTS_DIR, 'proxy-overhead.json'), JSON.stringify(result, null, 2) + '\n');
    const a = barChart({ title: `Time per request at 1 connection (added: nginx ${summary.addedMsPerRequestAt1.nginx}, bare node ${summary.addedMsPerRequestAt1.node}, bare Express ${summary.addedMsPerRequestAt1.express}, Hearth ${summary.addedMsPerRequestAt1.hearth} ms)`, unit: 'ms', series: PATHS.map((p) => ({ label: p, value: round(perReq[p], 3) })) });
    const b = barChart({ title: `Requests/s at 32 connections (bare node/nginx = ${summary.nodeOverNginxAt32}, Hearth/nginx = ${summary.hearthOverNginxAt32})`, unit: 'req/s', series: PATHS.map((p) => ({ label: p, value: round(rps32[p], 0) })) });
    writeFileSync(path.join(RESULTS_DIR, 'proxy-overhead.svg'), stackSvgs([a, b]));
    process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  } finally {
    await stop(hearth);
    await stop(nginx);
    await stop(expressProxy);
    await stop(nodeProxy);
    await stop(upstream);
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Stacks SVG documents vertically into one. */
function stackSvgs(svgs: string[]): string {
  let y = 0; let width = 0;
  const parts = svgs.map((s) => {
    const w = Number(/width="(\d+(?:\.\d+)?)"/.exec(s)?.[1] ?? 760);
    const h = Number(/height="(\d+(?:\.\d+)?)"/.exec(s)?.[1] ?? 200);
    const g = `<g transform="translate(0,${y})">${s.replace(/<\?xml[^>]*>/, '')}</g>`;
    y += h; width = Math.max(width, w);
    return g;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">${parts.join('')}</svg>\n`;
}

await main();
