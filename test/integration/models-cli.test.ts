// `hearth models ...` as a real process: a progress bar in a pseudo-terminal (util-linux `script`),
// plain lines when piped, `list --json` as one JSON array, `rm`, and hostile names refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn, execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelList } from '../../server/contract/models.js';
import { ensureModel } from '../support/make-model.js';
import { writeHostileModels } from '../unit/server/models/hostile-gguf.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(root, 'server', 'cli', 'models.ts');
const model = readFileSync(ensureModel('tiny'));
let server: http.Server;
let base: string;
let tmp: string;

before(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-cli-'));
  server = http.createServer((req, res) => {
    if (req.url !== '/tiny.gguf') { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'content-length': model.length });
    let off = 0;
    // Paced so the client sees several progress steps (pacing only; nothing asserts time).
    const step = () => {
      if (res.destroyed) return;
      const end = Math.min(model.length, off + 16 * 1024);
      res.write(model.subarray(off, end)); off = end;
      if (off >= model.length) res.end(); else setTimeout(step, 15);
    };
    step();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('error', reject);
    p.on('close', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
  });
}

test('piped: plain progress lines, no carriage returns, exit 0 when verified', async () => {
  const d = path.join(tmp, 'piped');
  const r = await run(['pull', `${base}/tiny.gguf`, '--models-dir', d, '--name', 'piped-model']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.stderr.includes('\r'), 'no carriage returns when piped');
  const lines = r.stderr.trim().split('\n');
  const progress = lines.filter((l) => l.startsWith('progress '));
  assert.ok(progress.length >= 2, r.stderr);
  for (const l of progress) assert.match(l, /^progress \d+% \d+\/\d+ bytes \S+ \S+\/s eta \S+$/);
  assert.match(progress.at(-1)!, new RegExp(`^progress 100% ${model.length}/${model.length} bytes`));
  assert.match(r.stdout, /^pulled piped-model /);
  assert.deepEqual(readdirSync(d), ['piped-model.gguf']);
});

test('in a pseudo-terminal: a progress bar redrawn in place', async (t) => {
  try { execFileSync('which', ['script']); } catch { t.skip('util-linux script is not installed'); return; }
  const d = path.join(tmp, 'tty');
  const cmd = [process.execPath, '--import', 'tsx', cli, 'pull', `${base}/tiny.gguf`, '--models-dir', d].map((a) => `'${a}'`).join(' ');
  const out = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    p.stdout.on('data', (x) => { text += x; });
    p.stderr.on('data', (x) => { text += x; });
    const timer = setTimeout(() => p.kill('SIGKILL'), 60_000);
    p.on('error', reject);
    p.on('close', (code) => { clearTimeout(timer); resolve({ code, text }); });
  });
  assert.equal(out.code, 0, out.text);
  assert.match(out.text, /\r\[#+-*\] +\d+%/, 'a bar drawn after a carriage return');
  assert.match(out.text, /\[#{30}\] 100%/, 'the full bar');
  assert.ok(!/^progress /m.test(out.text), 'no plain lines on a TTY');
  assert.match(out.text, /pulled tiny /);
  assert.deepEqual(readdirSync(d), ['tiny.gguf']);
});

test('list --json prints one JSON array with valid and invalid models; rm removes one', async () => {
  const d = path.join(tmp, 'list');
  mkdirSync(d, { recursive: true });
  copyFileSync(ensureModel('tiny'), path.join(d, 'tiny.gguf'));
  const hostile = writeHostileModels(d);
  writeFileSync(path.join(d, 'half.gguf.partial'), model.subarray(0, 1000));
  const r = await run(['list', '--json', '--models-dir', d]);
  assert.equal(r.code, 0, r.stderr);
  const list = ModelList.parse(JSON.parse(r.stdout));
  assert.equal(r.stdout.trim().split('\n').length, 1, 'one line');
  assert.deepEqual(list.map((m) => m.name).sort(), ['tiny', ...hostile.keys()].sort());
  const tiny = list.find((m) => m.name === 'tiny')!;
  assert.equal(tiny.valid, true); assert.equal(tiny.size, model.length);
  assert.equal(tiny.metadata?.architecture, 'llama'); assert.equal(tiny.metadata?.hasChatTemplate, true);
  for (const [name, reason] of hostile) assert.match(list.find((m) => m.name === name)!.reason ?? '', reason);

  const rm = await run(['rm', 'tiny', '--models-dir', d]);
  assert.equal(rm.code, 0, rm.stderr);
  assert.ok(!existsSync(path.join(d, 'tiny.gguf')));
  const again = await run(['rm', 'tiny', '--models-dir', d]);
  assert.equal(again.code, 1); assert.match(again.stderr, /ERR_MODEL_NOT_FOUND/);
});

test('hostile names are refused and nothing outside the models dir is touched', async () => {
  const outer = path.join(tmp, 'outer');
  const d = path.join(outer, 'models');
  mkdirSync(d, { recursive: true });
  const sentinel = path.join(outer, 'x.gguf');
  writeFileSync(sentinel, 'keep me');
  const before = readdirSync(outer).sort();
  for (const name of ['../x', '/etc/passwd', 'x%00.gguf', 'CON', 'a'.repeat(5 * 1024)]) {
    const r = await run(['rm', name, '--models-dir', d]);
    assert.equal(r.code, 1, name.slice(0, 20)); assert.match(r.stderr, /ERR_MODEL_NAME/);
    const p = await run(['pull', `${base}/tiny.gguf`, '--name', name, '--models-dir', d]);
    assert.equal(p.code, 1, name.slice(0, 20)); assert.match(p.stderr, /ERR_MODEL_NAME/);
  }
  assert.equal(readFileSync(sentinel, 'utf8'), 'keep me');
  assert.deepEqual(readdirSync(outer).sort(), before);
  assert.deepEqual(readdirSync(d), []);
  assert.ok(existsSync('/etc/passwd'));
});

test('a failed pull exits non-zero with a clear message', async () => {
  const r = await run(['pull', `${base}/missing.gguf`, '--models-dir', path.join(tmp, 'fail')]);
  assert.equal(r.code, 1); assert.match(r.stderr, /404 Not Found/);
});
