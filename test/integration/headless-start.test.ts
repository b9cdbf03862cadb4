// The headless start path exactly as the Dockerfile runs it: `npm run build`, then
// `node bin/hearth.js serve --host 0.0.0.0` (here with --port 0 and a temporary data dir). Checks
// the one listening line, /healthz, /readyz, that the Host check still refuses foreign names on a
// wildcard bind, and that SIGTERM exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** GET on 127.0.0.1 with an explicit Host header (fetch would not let us forge one). */
function get(port: number, urlPath: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: urlPath, method: 'GET', headers: { host }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${urlPath} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** `npm run build` as the Dockerfile runs it; without a renderer Vite config yet, only its tsc half. */
function build(): void {
  const hasVite = ['ts', 'js', 'mjs'].some((e) => existsSync(path.join(ROOT, 'renderer', `vite.config.${e}`)));
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const [cmd, args] = hasVite
    ? [npm, ['run', 'build']]
    : [process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']];
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 200_000, shell: process.platform === 'win32' });
  assert.equal(r.status, 0, `build failed (${cmd} ${args.join(' ')}):\n${(r.stdout + r.stderr).slice(-4000)}`);
  assert.ok(existsSync(path.join(ROOT, 'dist/server/cli.js')), 'the build wrote dist/server/cli.js');
}

/** Resolves with the port from the one `hearth listening on http://HOST:PORT` line. */
function listeningPort(child: ChildProcess, out: { stdout: string; stderr: string }): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line within 60 s; stderr:\n${out.stderr.slice(-2000)}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out.stdout += d.toString('utf8');
      const m = /^hearth listening on http:\/\/([^\s:]+|\[[^\]]+\]):(\d+)$/m.exec(out.stdout);
      if (m) { clearTimeout(timer); resolve(Number(m[2])); }
    });
    child.stderr!.on('data', (d: Buffer) => { out.stderr += d.toString('utf8'); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`hearth serve exited (${code}) before listening; stderr:\n${out.stderr.slice(-2000)}`)); });
  });
}

test('build, then hearth serve --host 0.0.0.0 as in the Dockerfile: healthz, readyz, Host check, clean SIGTERM', async () => {
  build();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-headless-'));
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('HEARTH_')) env[k] = v;
  env.NODE_ENV = 'production';
  const child = spawn(process.execPath, ['bin/hearth.js', 'serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dataDir, '--threads', '1'], {
    cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  try {
    const port = await listeningPort(child, out);
    assert.match(out.stdout, /^hearth listening on http:\/\/0\.0\.0\.0:\d+\n?$/, 'exactly one line on stdout, with the bound host');
    assert.ok(port > 0 && port < 65536);

    const health = await get(port, '/healthz', `127.0.0.1:${port}`);
    assert.equal(health.status, 200, health.body);

    const ready = await get(port, '/readyz', `localhost:${port}`);
    assert.ok(ready.status === 200 || ready.status === 503, `readyz ${ready.status}`);
    const body = JSON.parse(ready.body) as { status?: unknown; reason?: unknown };
    assert.equal(typeof body.status, 'string');
    if (ready.status === 503) assert.ok(typeof body.reason === 'string' && body.reason.length > 0, 'a 503 says why');

    for (const [p, host] of [['/healthz', 'evil.example'], ['/readyz', `evil.example:${port}`], ['/v1/models', 'rebind.attacker.test']] as const) {
      const refused = await get(port, p, host);
      assert.equal(refused.status, 403, `${p} with Host ${host}`);
      assert.doesNotMatch(refused.body, /hth_|admin/i, 'no secret in the refusal');
    }

    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => {
      if (child.exitCode !== null) return resolve(child.exitCode);
      const t = setTimeout(() => resolve(null), 30_000);
      child.once('exit', (c) => { clearTimeout(t); resolve(c); });
    });
    assert.equal(code, 0, `SIGTERM exits 0; stderr:\n${out.stderr.slice(-2000)}`);
    assert.doesNotMatch(out.stdout, /listening[\s\S]*listening/, 'the listening line is printed once');
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
});
