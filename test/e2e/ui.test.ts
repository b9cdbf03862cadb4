// End-to-end test of the web UI (issue 8, acceptance 1-3): Debian's chromium driven by playwright-core
// against a real `hearth serve` with the tiny model, a fake OpenAI-compatible upstream (deterministic
// slow and hostile completions) and a local HTTP server to pull a model from. Each step saves a
// screenshot into test-results/e2e/. The page must log no console errors and run no injected script.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import OpenAI from 'openai';
import { startHearth, waitReady, REPO_ROOT, type Hearth } from '../support/server.js';
import { ensureModel } from '../support/make-model.js';

const CHROMIUM = '/usr/bin/chromium';
const SHOTS = path.join(REPO_ROOT, 'test-results', 'e2e');
const HOSTILE = 'Before <img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script> **bold** [x](javascript:window.__pwned=3) after';
const HOSTILE_MODEL = '<img src=x onerror=window.__pwned=4>';

/** Newest modification time under `dir` (files only). */
function newest(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, f.name);
    t = Math.max(t, f.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds renderer/dist when it is missing or older than the renderer sources. */
function ensureRendererBuilt(): void {
  const index = path.join(REPO_ROOT, 'renderer', 'dist', 'index.html');
  const src = Math.max(newest(path.join(REPO_ROOT, 'renderer', 'src')), statSync(path.join(REPO_ROOT, 'renderer', 'index.html')).mtimeMs);
  if (existsSync(index) && statSync(index).mtimeMs >= src) return;
  const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build:renderer'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000 });
  if (r.status !== 0 || !existsSync(index)) throw new Error(`npm run build:renderer failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
}

/** A fake OpenAI-compatible upstream: `slow` streams a word every 50 ms until the client goes away, `hostile` answers HOSTILE. */
function fakeUpstream() {
  const state = { slowClosed: 0, slowStarted: 0 };
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/v1/models') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'slow', object: 'model', created: 0, owned_by: 'fake' }, { id: 'hostile', object: 'model', created: 0, owned_by: 'fake' }, { id: HOSTILE_MODEL, object: 'model', created: 0, owned_by: 'fake' }] }));
      return;
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') { res.statusCode = 404; res.end('{}'); return; }
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const { model } = JSON.parse(body) as { model: string };
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const chunk = (content: string | null, finish: string | null = null, usage?: object) => res.write(`data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 0, model, choices: content === null && !finish ? [] : [{ index: 0, delta: content === null ? {} : { content }, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`);
      if (model === 'slow') {
        state.slowStarted++;
        let n = 0;
        const timer = setInterval(() => { if (n++ < 1200) chunk(`word${n} `); }, 50);
        res.on('close', () => { clearInterval(timer); state.slowClosed++; });
        return;
      }
      chunk(model === 'hostile' ? HOSTILE : 'ok');
      chunk(null, 'stop');
      chunk(null, null, { prompt_tokens: 3, completion_tokens: 12, total_tokens: 15 });
      res.end('data: [DONE]\n\n');
    });
  });
  return { server, state };
}

/** Serves the tiny GGUF in a few slow chunks, so the UI gets several progress events. */
function modelServer(bytes: Buffer) {
  return http.createServer((req, res) => {
    if (req.url !== '/pulled-tiny.gguf') { res.statusCode = 404; res.end(); return; }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) });
    if (req.method === 'HEAD') { res.end(); return; }
    const parts = 8;
    const size = Math.ceil(bytes.length / parts);
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i >= parts) { res.end(); return; }
      res.write(bytes.subarray(i * size, Math.min(bytes.length, (i + 1) * size)));
      i++;
      setTimeout(next, 150);
    };
    next();
  });
}

const listen = (s: http.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));

async function poll<T>(what: string, fn: () => Promise<T | undefined>, tries = 150, ms = 100): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, ms));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('web UI end to end', { timeout: 240_000 }, () => {
  let hearth: Hearth;
  let browser: BrowserContext;
  let page: Page;
  let userDir: string;
  const up = fakeUpstream();
  const models = modelServer(readFileSync(ensureModel('tiny')));
  let modelsPort = 0;
  const consoleErrors: string[] = [];
  /** Resource errors the test expects (e.g. the role probe answering 403 to an API key). */
  const expectedResource: RegExp[] = [];
  let shot = 0;
  const snap = async (name: string) => { await page.screenshot({ path: path.join(SHOTS, `${String(++shot).padStart(2, '0')}-${name}.png`), fullPage: true }); };
  const status = async () => (await (await fetch(`${hearth.url}/admin/status`, { headers: { authorization: `Bearer ${hearth.adminToken}` } })).json()) as { models: Record<string, { slotsUsed: number }>; recent: Array<{ keyName: string; status: number; model: string }> };

  const watch = (p: Page) => {
    p.on('console', (m: ConsoleMessage) => {
      if (m.type() !== 'error') return;
      const text = `${m.text()} @ ${m.location().url}`;
      if (expectedResource.some((re) => re.test(text))) return;
      consoleErrors.push(text);
    });
    p.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
    p.on('dialog', (d) => { consoleErrors.push(`unexpected dialog: ${d.message()}`); void d.dismiss(); });
  };

  before(async () => {
    ensureRendererBuilt();
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    const upPort = await listen(up.server);
    modelsPort = await listen(models);
    hearth = await startHearth({ args: ['--model', 'tiny', '--context-size', '512', '--upstream', `fake=openai:http://127.0.0.1:${upPort}`] });
    await waitReady(hearth.url);
    userDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-chromium-'));
    // A fresh profile directory (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(userDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 860 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = browser.pages()[0] ?? await browser.newPage();
    watch(page);
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await hearth?.stop();
    if (hearth) rmSync(hearth.dataDir, { recursive: true, force: true });
    up.server.closeAllConnections(); up.server.close();
    models.closeAllConnections(); models.close();
    if (userDir) rmSync(userDir, { recursive: true, force: true });
  });

  it('serves the UI with a strict CSP, and index.html for client routes', async () => {
    const r = await fetch(`${hearth.url}/`);
    assert.equal(r.status, 200);
    const csp = r.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
    assert.match(await r.text(), /<div id="root">/);
    const spa = await fetch(`${hearth.url}/some/client/route`);
    assert.equal(spa.status, 200);
    const api = await fetch(`${hearth.url}/admin/nope`, { headers: { authorization: `Bearer ${hearth.adminToken}` } });
    assert.equal(api.status, 404);
    assert.match(api.headers.get('content-type') ?? '', /json/);
  });

  it('signs in with the admin token; inputs have labels', async () => {
    await page.goto(hearth.url);
    expectedResource.push(/status of 401.*\/admin\/status/);
    await page.getByLabel('Token').fill('wrong-token-123');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    await page.getByLabel('Token').fill(hearth.adminToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    await page.getByLabel('Model').waitFor();
    await snap('signed-in-chat');
    const unlabeled = await page.evaluate(() => [...document.querySelectorAll('input, textarea, select')].filter((el) => {
      const e = el as HTMLInputElement;
      return !(e.labels && e.labels.length > 0) && !e.getAttribute('aria-label');
    }).map((el) => el.outerHTML));
    assert.deepEqual(unlabeled, []);
  });

  it('sends a chat with Enter to the tiny model and shows the streamed text grow, with tokens/s and time to first token', async () => {
    await page.getByLabel('Model').selectOption('tiny');
    // Record every length the reply's text takes while it streams.
    await page.evaluate(() => {
      const w = window as unknown as { __lengths: number[] };
      w.__lengths = [];
      new MutationObserver(() => {
        const last = [...document.querySelectorAll('[data-testid="msg-assistant"] .md')].pop();
        const n = last?.textContent?.length ?? 0;
        if (n && w.__lengths[w.__lengths.length - 1] !== n) w.__lengths.push(n);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByLabel('Message').fill('Hello there');
    await page.getByLabel('Message').press('Enter');
    await page.getByTestId('reply-stats').first().waitFor({ timeout: 60_000 });
    const stats = await page.getByTestId('reply-stats').first().textContent();
    assert.match(stats ?? '', /tokens\/s/);
    assert.match(stats ?? '', /first token/);
    const lengths = await page.evaluate(() => (window as unknown as { __lengths: number[] }).__lengths);
    assert.ok(lengths.length >= 2, `the reply grew in steps: ${JSON.stringify(lengths)}`);
    assert.equal(await page.getByLabel('Message').inputValue(), '', 'Enter sent the message');
    await snap('chat-tiny-done');
    // Shift+Enter adds a line instead of sending.
    await page.getByLabel('Message').fill('line one');
    await page.getByLabel('Message').press('Shift+Enter');
    assert.equal(await page.getByLabel('Message').inputValue(), 'line one\n');
    await page.getByLabel('Message').fill('');
  });

  it('Stop cancels a streaming generation and the server frees the slot', async () => {
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByLabel('Model').selectOption('fake/slow');
    await page.getByLabel('Message').fill('Tell me a long story');
    await page.getByLabel('Message').press('Enter');
    const reply = page.getByTestId('msg-assistant').last();
    await poll('text', async () => ((await reply.textContent())?.includes('word3') ? true : undefined));
    const first = (await reply.textContent())!.length;
    await poll('growth', async () => ((await reply.textContent())!.length > first + 10 ? true : undefined));
    const busy = await status();
    assert.equal(busy.models['upstream:fake']?.slotsUsed, 1, 'the stream holds a slot');
    await snap('chat-streaming');
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('stopped').waitFor();
    await poll('slot freed', async () => ((await status()).models['upstream:fake']?.slotsUsed === 0 ? true : undefined));
    await poll('upstream closed', async () => (up.state.slowClosed >= 1 ? true : undefined));
    await snap('chat-stopped');
  });

  it('renders a hostile completion and a hostile model name as inert text', async () => {
    const options = await page.getByLabel('Model').locator('option').allTextContents();
    assert.ok(options.some((o) => o.includes(HOSTILE_MODEL)), 'the hostile model name is listed as text');
    await page.getByRole('button', { name: 'New chat' }).click();
    await page.getByLabel('Model').selectOption('fake/hostile');
    await page.getByLabel('Message').fill('<b>hi</b> <img src=x onerror="window.__pwned=5">');
    await page.getByLabel('Message').press('Enter');
    const reply = page.getByTestId('msg-assistant').last();
    await poll('hostile reply', async () => ((await reply.textContent())?.includes('after') ? true : undefined));
    const text = (await reply.textContent()) ?? '';
    assert.ok(text.includes('<img src=x onerror="window.__pwned=1">'), text);
    assert.ok(text.includes('<script>window.__pwned=2</script>'), text);
    assert.equal(await page.locator('.messages img, .messages script, .messages a[href^="javascript"]').count(), 0);
    assert.equal(await reply.locator('strong').textContent(), 'bold', 'markdown still renders');
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    await snap('chat-hostile');
  });

  it('keeps conversations in the browser across a reload', async () => {
    await page.reload();
    await page.getByRole('navigation', { name: 'Pages' }).waitFor();
    const titles = await page.getByRole('complementary', { name: 'Conversations' }).locator('li').count();
    assert.ok(titles >= 3, `conversations kept: ${titles}`);
  });

  it('creates a key, uses it from the openai SDK, revokes it and gets 401', async () => {
    await page.getByRole('link', { name: 'Keys' }).click();
    await page.getByLabel('Name', { exact: true }).fill('e2e-key');
    await page.getByLabel('Requests per minute (optional)').fill('100');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = await page.locator('#new-key').inputValue();
    assert.match(key, /^hth_/);
    await snap('key-created');
    const client = new OpenAI({ baseURL: `${hearth.url}/v1`, apiKey: key, maxRetries: 0 });
    const done = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 });
    assert.equal(done.object, 'chat.completion');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.reload();
    await page.getByRole('row').filter({ hasText: 'e2e-key' }).waitFor();
    assert.match((await page.getByRole('row').filter({ hasText: 'e2e-key' }).textContent()) ?? '', /100 req\/min/);
    await snap('key-listed');
    await page.getByRole('button', { name: 'Revoke e2e-key' }).click();
    await page.getByRole('button', { name: 'Confirm revoke' }).click();
    await page.getByText('Revoked e2e-key').waitFor();
    await assert.rejects(client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }), (e: unknown) => (e as { status?: number }).status === 401);
    await snap('key-revoked');
  });

  it('pulls a model from a local HTTP server and the progress bar reaches 100%', async () => {
    await page.getByRole('link', { name: 'Models' }).click();
    await page.getByTestId('catalog').waitFor();
    await page.getByLabel('Source (https:// URL or hf:owner/repo/file.gguf)').fill(`http://127.0.0.1:${modelsPort}/pulled-tiny.gguf`);
    await page.getByRole('button', { name: 'Pull', exact: true }).click();
    await poll('progress', async () => ((await page.getByTestId('pull-phase').textContent()) === 'downloading' ? true : undefined), 100, 50);
    await snap('pull-progress');
    await poll('pull done', async () => ((await page.getByTestId('pull-phase').textContent()) === 'done' ? true : undefined));
    assert.equal(await page.locator('[data-testid="pull"] progress').evaluate((el) => (el as HTMLProgressElement).value), 100);
    assert.match((await page.getByTestId('pull-text').textContent()) ?? '', /100%/);
    await page.locator('tr[data-model="pulled-tiny"]').waitFor();
    await snap('pull-done');
  });

  it('the health page shows slots, the chart, the engine and those requests', async () => {
    await page.getByRole('link', { name: 'Health' }).click();
    await page.getByTestId('recent').waitFor();
    const recent = (await page.getByTestId('recent').textContent()) ?? '';
    assert.match(recent, /e2e-key/, 'the SDK request with the key name');
    assert.match(recent, /fake\/slow/, 'the stopped request');
    assert.equal(await page.getByTestId('engine-state').textContent(), 'ready');
    assert.equal(await page.locator('tr[data-pool="local:tiny"] [data-testid="slots"]').textContent(), '0 / 4');
    assert.equal(await page.locator('svg.chart polyline').count(), 1);
    await snap('health');
  });

  it('limits & network: LAN warning, interface choice, write-only upstream keys, applies at next start', async () => {
    const SECRET = 'sk-e2e-upstream-secret-0123456789';
    await page.getByRole('link', { name: 'Limits & network' }).click();
    await page.getByLabel('Listen on').waitFor();
    assert.equal(await page.getByTestId('lan-warning').count(), 0);
    await page.getByLabel('Listen on').selectOption('0.0.0.0');
    assert.match((await page.getByTestId('lan-warning').textContent()) ?? '', /other devices on your network/);
    await page.getByLabel('Queued requests per model').fill('5');
    await page.getByRole('button', { name: 'Add upstream' }).click();
    const n = await page.locator('fieldset.upstream').count();
    const last = page.locator('fieldset.upstream').nth(n - 1);
    await last.getByLabel('Name').fill('extra');
    await last.getByLabel('URL').fill('https://api.example.com');
    await last.getByLabel('API key').fill(SECRET);
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    assert.equal(await last.getByLabel('API key').inputValue(), '', 'the key is not shown back');
    assert.match((await last.getByLabel('API key').getAttribute('placeholder')) ?? '', /set \(hidden\)/);
    await snap('settings-saved');
    const r = await fetch(`${hearth.url}/admin/settings`, { headers: { authorization: `Bearer ${hearth.adminToken}` } });
    const text = await r.text();
    assert.ok(!text.includes(SECRET), 'the upstream key is never read back');
    const body = JSON.parse(text) as { saved: { host: string; maxQueue: number; upstream: Array<{ name: string; apiKey: { set: boolean } }> }; effective: { host: string; maxQueue: number }; restartRequired: boolean; notes: string[] };
    assert.equal(body.saved.host, '0.0.0.0');
    assert.equal(body.saved.maxQueue, 5);
    assert.equal(body.effective.host, '127.0.0.1', 'the running server is unchanged until restart');
    assert.equal(body.restartRequired, true);
    assert.deepEqual(body.saved.upstream.find((u) => u.name === 'extra')?.apiKey, { set: true });
    assert.ok(body.notes.some((x) => /next start/.test(x)));
    assert.ok(body.notes.some((x) => /^LAN exposure/.test(x)));
    const bad = await fetch(`${hearth.url}/admin/settings`, { method: 'PUT', headers: { authorization: `Bearer ${hearth.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ host: '203.0.113.77' }) });
    assert.equal(bad.status, 400, 'an address that is not this machine is refused');
    const keysText = await (await fetch(`${hearth.url}/admin/keys`, { headers: { authorization: `Bearer ${hearth.adminToken}` } })).text();
    assert.ok(!/"hash"|"key"/.test(keysText), 'key listings carry neither keys nor hashes');
  });

  it('an API key opens the chat alone', async () => {
    const r = await fetch(`${hearth.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${hearth.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'chat-only' }) });
    const { key } = (await r.json()) as { key: string };
    expectedResource.push(/status of 403.*\/admin\/status/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Token').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('API key (chat only)').waitFor();
    const links = await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allTextContents();
    assert.deepEqual(links, ['Chat']);
    await snap('api-key-chat');
  });

  it('logged no console errors and ran no injected script', async () => {
    assert.deepEqual(consoleErrors, []);
    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
  });
});

describe('first run', { timeout: 120_000 }, () => {
  it('with no model yet, signing in leads straight to the recommended list', async () => {
    ensureRendererBuilt();
    const h = await startHearth({ model: false });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-first-run-'));
    const ctx = await chromium.launchPersistentContext(dir, {
      executablePath: CHROMIUM, headless: true, viewport: { width: 1280, height: 860 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = ctx.pages()[0] ?? await ctx.newPage();
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${h.url}/`);
      await page.getByLabel('Token').fill(h.adminToken);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Get your first model' }).waitFor();
      assert.match(page.url(), /#\/models$/);
      const offered = page.getByRole('region', { name: 'Get your first model' }).getByRole('row');
      assert.ok((await offered.count()) >= 4, 'a header row and at least 3 recommended models, each with a Pull button');
      assert.ok((await page.getByRole('region', { name: 'Get your first model' }).getByRole('button', { name: 'Pull' }).count()) >= 3);
      mkdirSync(SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(SHOTS, 'first-run.png'), fullPage: true });
      assert.deepEqual(errors, []);
    } finally {
      await ctx.close().catch(() => undefined);
      await h.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(h.dataDir, { recursive: true, force: true });
    }
  });
});
