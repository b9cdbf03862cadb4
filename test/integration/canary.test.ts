// Issue 4, acceptance 6, against a real `hearth serve` at debug log level: canary secrets — an
// upstream key from env, an upstream key that a (local) upstream echoes back in its errors, an
// upstream key saved through the admin API, the admin token, an API key made with the CLI, and
// wrong tokens in several shapes — are used on succeeding and failing requests and on every error
// path (bad JSON, unknown model, unreachable upstream, upstream 401/500 echoing its key, 401, 403,
// 429); none of them appears in any response body or header, in the server's stderr/stdout, or in
// `<data-dir>/logs/*.log`. (settings.json, keys.json and admin-token hold secrets or hashes by design.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startHearth, waitReady, runCli, type Hearth } from '../support/server.js';
import { rawExchange, rawRequest } from '../support/raw-http.js';
import {
  CANARY_ADMIN_TOKEN, CANARY_ECHOED_UPSTREAM_KEY, CANARY_SECRETS, CANARY_SETTINGS_UPSTREAM_KEY, CANARY_UPSTREAM_KEY, CANARY_WRONG_TOKENS,
  CanaryRecorder, findCanaries, readLogFiles,
} from '../support/canary.js';

let h: Hearth;
let echo: http.Server;
let apiKey = '';
const seenByUpstream: string[] = [];
const rec = new CanaryRecorder();

before(async () => {
  // A local upstream that, like real providers, quotes the key it got in its error bodies and headers.
  echo = http.createServer((req, res) => {
    const auth = String(req.headers.authorization ?? req.headers['x-api-key'] ?? '');
    seenByUpstream.push(auth);
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      const model = (() => { try { return String((JSON.parse(raw || '{}') as { model?: unknown }).model ?? ''); } catch { return ''; } })();
      if (model === 'boom') { res.writeHead(500, { 'content-type': 'text/plain', 'x-upstream-key': auth }); res.end(`internal error for key ${auth}`); return; }
      if (model === 'slow-down') { res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '3' }); res.end(JSON.stringify({ error: { message: `rate limited: ${auth}` } })); return; }
      res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': `Bearer error="${auth}"` });
      res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${auth}`, type: 'invalid_request_error', code: 'invalid_api_key' } }));
    });
  });
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  const echoUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/v1`;
  h = await startHearth({
    adminToken: CANARY_ADMIN_TOKEN,
    args: ['--model', 'tiny', '--context-size', '512', '--upstream', 'x=openai:http://127.0.0.1:1', '--upstream', `y=openai:${echoUrl}`],
    env: { HEARTH_UPSTREAM_X_KEY: CANARY_UPSTREAM_KEY, HEARTH_UPSTREAM_Y_KEY: CANARY_ECHOED_UPSTREAM_KEY, HEARTH_LOG_LEVEL: 'debug' },
  });
  await waitReady(h.url);
  const created = await runCli(['keys', 'create', '--name', 'canary', '--rpm', '6', '--data-dir', h.dataDir]);
  assert.equal(created.code, 0, created.stderr);
  apiKey = created.stdout.trim();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
  await new Promise<void>((r) => (echo ? echo.close(() => r()) : r()));
});

const json = (token: string | undefined, body: unknown, extra: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}), ...extra },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const chatBody = (model: string, extra: Record<string, unknown> = {}) => ({ model, max_tokens: 3, messages: [{ role: 'user', content: 'hi' }], ...extra });

test('canary secrets never appear in responses, stderr or log files', { timeout: 120_000 }, async () => {
  assert.match(CANARY_WRONG_TOKENS[0], /^hth_[A-Za-z0-9_-]{43}$/, 'a well-formed (unknown) Hearth key');
  const secrets = [...CANARY_SECRETS, apiKey];
  const u = h.url;

  // Succeeding requests with the canary API key and the canary admin token.
  assert.equal((await rec.fetch('chat with the API key', `${u}/v1/chat/completions`, json(apiKey, chatBody('tiny')))).status, 200);
  assert.equal((await rec.fetch('stream with the API key', `${u}/v1/chat/completions`, json(apiKey, chatBody('tiny', { stream: true })))).status, 200);
  assert.equal((await rec.fetch('messages with x-api-key', `${u}/v1/messages`, json(undefined, chatBody('tiny'), { 'x-api-key': apiKey, 'anthropic-version': '2023-06-01' }))).status, 200);
  assert.equal((await rec.fetch('ollama chat, admin', `${u}/api/chat`, json(CANARY_ADMIN_TOKEN, { model: 'tiny', stream: false, messages: [{ role: 'user', content: 'hi' }], options: { num_predict: 2 } }))).status, 200);
  assert.equal((await rec.fetch('models list (upstream y answers 401 with its key)', `${u}/v1/models`, { headers: { authorization: `Bearer ${apiKey}` } })).status, 200);
  await rec.fetch('ollama tags', `${u}/api/tags`, { headers: { authorization: `Bearer ${apiKey}` } });

  // 401: wrong canary tokens in every place a token can go, on all dialects.
  for (const wrong of CANARY_WRONG_TOKENS) {
    for (const [path, init] of [
      ['/v1/chat/completions', json(wrong, chatBody('tiny'))],
      ['/v1/messages', json(undefined, chatBody('tiny'), { 'x-api-key': wrong, 'anthropic-version': '2023-06-01' })],
      ['/api/generate', json(wrong, { model: 'tiny', prompt: 'hi' })],
      ['/admin/status', { headers: { authorization: `Bearer ${wrong}` } }],
      ['/metrics', { headers: { 'x-api-key': wrong } }],
      [`/v1/models?api_key=${encodeURIComponent(wrong)}&token=${encodeURIComponent(wrong)}`, {}],
      ['/v1/models', { headers: { authorization: `Basic ${Buffer.from(`user:${wrong}`).toString('base64')}` } }],
    ] as Array<[string, RequestInit]>) {
      assert.equal((await rec.fetch(`401 ${path} with a wrong canary`, `${u}${path}`, init)).status, 401, path);
    }
  }
  // A canary token in a malformed header (CR/LF): the parser's 400.
  const crlf = await rawExchange(h.port, rawRequest('GET', '/v1/models', [`Host: 127.0.0.1:${h.port}`, `Authorization: Bearer ${CANARY_ADMIN_TOKEN}\rX`]));
  rec.add('CR in the Authorization header', crlf.status, crlf.headers, crlf.body);
  assert.equal(crlf.status, 400);
  // A canary token in a Host-refused request: 403.
  const evil = await rawExchange(h.port, rawRequest('GET', '/v1/models', ['Host: evil.example', `Authorization: Bearer ${CANARY_ADMIN_TOKEN}`]));
  rec.add('rebinding Host with the admin token', evil.status, evil.headers, evil.body);
  assert.equal(evil.status, 403);

  // 400: bad JSON (carrying canaries in the broken body), and validation errors.
  assert.equal((await rec.fetch('bad JSON', `${u}/v1/chat/completions`, json(apiKey, `{"model":"tiny","api_key":"${CANARY_WRONG_TOKENS[1]}","messages":[`))).status, 400);
  assert.equal((await rec.fetch('bad JSON, anthropic', `${u}/v1/messages`, json(undefined, `{"x":"${CANARY_WRONG_TOKENS[2]}"`, { 'x-api-key': apiKey }))).status, 400);
  assert.equal((await rec.fetch('bad JSON, ollama', `${u}/api/chat`, json(apiKey, `{"model": ${CANARY_WRONG_TOKENS[0]}}`))).status, 400);
  const invalid = await rec.fetch('invalid body', `${u}/v1/chat/completions`, json(apiKey, { model: 'tiny', messages: 'not-a-list' }));
  assert.equal(invalid.status, 400);
  // 404: unknown model.
  assert.equal((await rec.fetch('unknown model', `${u}/v1/chat/completions`, json(apiKey, chatBody('no-such-model')))).status, 404);
  // Upstream failures: unreachable (x), 401 quoting its key (y), 500 quoting its key, 429 quoting its key.
  const unreachable = await rec.fetch('unreachable upstream', `${u}/v1/chat/completions`, json(CANARY_ADMIN_TOKEN, chatBody('x/gpt-4o')));
  assert.ok(unreachable.status >= 500, `unreachable upstream: ${unreachable.status}`);
  await rec.fetch('unreachable upstream, streamed', `${u}/v1/chat/completions`, json(CANARY_ADMIN_TOKEN, chatBody('x/gpt-4o', { stream: true })));
  await rec.fetch('unreachable upstream, anthropic', `${u}/v1/messages`, json(CANARY_ADMIN_TOKEN, chatBody('x/claude')));
  for (const model of ['y/gpt-4o', 'y/boom', 'y/slow-down']) {
    const r = await rec.fetch(`echoing upstream ${model}`, `${u}/v1/chat/completions`, json(CANARY_ADMIN_TOKEN, chatBody(model)));
    assert.ok(r.status >= 400, `${model}: ${r.status}`);
    await rec.fetch(`echoing upstream ${model}, streamed`, `${u}/v1/chat/completions`, json(CANARY_ADMIN_TOKEN, chatBody(model, { stream: true })));
    await rec.fetch(`echoing upstream ${model}, ollama`, `${u}/api/chat`, json(CANARY_ADMIN_TOKEN, { model, stream: false, messages: [{ role: 'user', content: 'hi' }] }));
    await rec.fetch(`echoing upstream ${model}, anthropic`, `${u}/v1/messages`, json(CANARY_ADMIN_TOKEN, chatBody(model)));
  }
  assert.ok(seenByUpstream.some((a) => a.includes(CANARY_ECHOED_UPSTREAM_KEY)), 'the echoing upstream really got (and quoted) its key');
  // 403: the API key on admin routes and /metrics.
  for (const path of ['/admin/status', '/admin/settings', '/admin/keys', '/metrics']) {
    assert.equal((await rec.fetch(`403 ${path}`, `${u}${path}`, { headers: { authorization: `Bearer ${apiKey}` } })).status, 403);
  }
  // Admin views that describe upstreams, keys and settings.
  const put = await rec.fetch('PUT settings with an upstream key', `${u}/admin/settings`, {
    method: 'PUT', headers: { authorization: `Bearer ${CANARY_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ upstream: [{ name: 'z', kind: 'anthropic', url: 'http://127.0.0.1:1', apiKey: CANARY_SETTINGS_UPSTREAM_KEY }] }),
  });
  assert.ok(put.status < 300, `PUT /admin/settings: ${put.status} ${put.text}`);
  for (const path of ['/admin/status', '/admin/settings', '/admin/keys', '/admin/models', '/metrics', '/v1/models', '/api/ps']) {
    assert.equal((await rec.fetch(`admin view ${path}`, `${u}${path}`, { headers: { authorization: `Bearer ${CANARY_ADMIN_TOKEN}` } })).status, 200, path);
  }
  // 429: exhaust the canary key's rpm (6; a few were used above), streamed and not.
  let limited = 0;
  for (let i = 0; i < 8; i++) {
    const r = await rec.fetch(`rpm ${i}`, `${u}/v1/chat/completions`, json(apiKey, chatBody('tiny', { stream: i % 2 === 0 })));
    if (r.status === 429) limited++;
  }
  assert.ok(limited >= 2, `429s seen: ${limited}`);
  assert.ok(rec.seen.some((s) => s.status === 429 && /retry-after/.test(s.headers)));

  // Every response, header and body.
  assert.ok(rec.seen.length > 60, `${rec.seen.length} responses recorded`);
  assert.deepEqual(rec.leaks(secrets), [], 'no canary in any response');

  // stderr, stdout and the log files, after a clean stop (logs flushed).
  assert.equal(await h.stop(), 0);
  assert.deepEqual(findCanaries(h.stderr(), secrets), [], 'no canary in stderr');
  assert.deepEqual(findCanaries(h.stdout(), secrets), [], 'no canary in stdout');
  const logs = readLogFiles(h.dataDir);
  assert.ok(logs.length >= 1, 'the server wrote a log file');
  assert.ok(logs.some((l) => l.text.includes('"request"') || l.text.includes('request')), 'the log file holds the access log');
  for (const l of logs) assert.deepEqual(findCanaries(l.text, secrets), [], `no canary in ${l.file}`);
});
