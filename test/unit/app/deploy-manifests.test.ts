// Checks the headless deployment files: the Dockerfile runs `hearth serve` as the integration
// test does, the Kubernetes example probes the right endpoints and shares limits through Redis
// with keys from a Secret, and the release workflow builds the installers on three OSes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const require = createRequire(path.join(ROOT, 'package.json'));
// js-yaml comes with electron-builder (a dev dependency), not a direct dependency of Hearth.
const yaml = require('js-yaml') as { load(s: string): unknown; loadAll(s: string): unknown[] };
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

type Doc = { kind: string; metadata: { name: string }; spec: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

test('Dockerfile: node 20 bookworm-slim, npm ci, build, serve on 0.0.0.0, HEALTHCHECK /healthz, /data volume', () => {
  const d = read('Dockerfile');
  const froms = [...d.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.ok(froms.length >= 1 && froms.every((f) => f === 'node:20-bookworm-slim'), froms.join());
  assert.match(d, /^RUN npm ci\b/m);
  assert.match(d, /^RUN npm run build\b/m);
  assert.match(d, /^CMD \["node", "bin\/hearth\.js", "serve", "--host", "0\.0\.0\.0"\]$/m);
  assert.match(d, /^HEALTHCHECK [^\n]*(\\\n[^\n]*)*\/healthz/m);
  assert.match(d, /^VOLUME \["\/data"\]$/m);
  assert.match(d, /HEARTH_DATA_DIR=\/data/);
  assert.match(d, /^USER node$/m, 'not root');
  const ignore = read('.dockerignore').split('\n').map((l) => l.trim());
  for (const p of ['node_modules', 'dist', '.git']) assert.ok(ignore.includes(p), p);
});

test('k8s: replicas behind a Service, probes on /readyz and /healthz, Redis for limits, secrets from a Secret', () => {
  const docs = yaml.loadAll(read('deploy/k8s/hearth.yaml')).filter(Boolean) as Doc[];
  const find = (kind: string, name: string) => docs.find((d) => d.kind === kind && d.metadata.name === name);
  const dep = find('Deployment', 'hearth');
  assert.ok(dep);
  assert.equal(dep.spec.replicas, 2);
  const c = dep.spec.template.spec.containers[0];
  assert.deepEqual([...c.command, ...c.args].slice(0, 5), ['node', 'bin/hearth.js', 'serve', '--host', '0.0.0.0']);
  assert.equal(c.readinessProbe.httpGet.path, '/readyz');
  assert.equal(c.livenessProbe.httpGet.path, '/healthz');
  const env = new Map<string, { value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }>(c.env.map((e: { name: string }) => [e.name, e]));
  assert.match(env.get('HEARTH_REDIS_URL')?.value ?? '', /^redis:\/\/hearth-redis:6379$/);
  assert.deepEqual(env.get('HEARTH_ADMIN_TOKEN')?.valueFrom?.secretKeyRef, { name: 'hearth-secrets', key: 'admin-token' });
  for (const [name, e] of env) assert.ok(!/TOKEN|KEY/.test(name) || e.valueFrom?.secretKeyRef, `${name} must come from a Secret`);
  const secretVol = dep.spec.template.spec.volumes.find((v: { secret?: unknown }) => v.secret);
  assert.equal(secretVol.secret.secretName, 'hearth-secrets', 'API key hashes come from the Secret');
  assert.equal(c.resources.limits['nvidia.com/gpu'], 1, 'one GPU per replica');
  const svc = find('Service', 'hearth');
  assert.deepEqual(svc?.spec.selector, dep.spec.selector.matchLabels);
  const redis = find('Deployment', 'hearth-redis');
  assert.ok(redis);
  const rsvc = find('Service', 'hearth-redis');
  assert.equal(rsvc?.spec.ports[0].port, 6379);
  assert.deepEqual(rsvc?.spec.selector, redis.spec.selector.matchLabels);
  assert.ok(!docs.some((d) => d.kind === 'Secret'), 'no credentials committed in the example');
});

test('release workflow: three OSes, npm ci, build, electron-builder --publish never, upload', () => {
  const wf = yaml.load(read('.github/workflows/release.yml')) as { jobs: Record<string, { strategy: { matrix: { os: string[] } }; steps: Array<{ run?: string; uses?: string; with?: { path?: string } }> }> };
  const job = Object.values(wf.jobs)[0]!;
  assert.deepEqual(job.strategy.matrix.os, ['ubuntu-latest', 'windows-latest', 'macos-latest']);
  const runs = job.steps.map((s) => s.run ?? '');
  const at = (re: RegExp) => runs.findIndex((r) => re.test(r));
  assert.ok(at(/^npm ci\b/) >= 0);
  assert.ok(at(/^npm run build$/) > at(/^npm ci\b/));
  assert.ok(at(/^npx electron-builder --publish never$/) > at(/^npm run build$/));
  const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  assert.match(upload?.with?.path ?? '', /release\//, 'uploads from electron-builder\'s output directory');
});
