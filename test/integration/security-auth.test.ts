// Issue 4, acceptance 1, against a real `hearth serve`: on every endpoint of the route table
// (read from server/http/routes.ts at test time, so new endpoints are covered automatically) but
// /healthz and /readyz — no token: 401 with WWW-Authenticate; wrong, empty-Bearer, Basic and 10 KB
// tokens: 401, never 500; a CR/LF inside the header: a clean 400/401; a token in the query string
// is not accepted. Error bodies are in the endpoint's dialect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startHearth, runCli, type Hearth } from '../support/server.js';
import { authenticatedRoutes, type RouteEntry } from '../support/route-table.js';
import { rawExchange, rawRequest } from '../support/raw-http.js';

type Route = RouteEntry;

type Dialect = 'openai' | 'anthropic' | 'ollama';
const dialectOf = (p: string): Dialect => (p.startsWith('/v1/messages') ? 'anthropic' : p.startsWith('/api/') ? 'ollama' : 'openai');

/** Asserts an error body is in the endpoint's dialect (Anthropic for /v1/messages, Ollama for /api/*, else OpenAI). */
function assertDialectBody(route: Route, body: string, want: { status: number; type?: string }, label: string): void {
  let j: Record<string, unknown>;
  try { j = JSON.parse(body) as Record<string, unknown>; } catch { assert.fail(`${label}: body is not JSON: ${body.slice(0, 200)}`); }
  const d = dialectOf(route.path);
  if (d === 'anthropic') {
    assert.equal(j.type, 'error', label);
    const e = j.error as { type?: unknown; message?: unknown };
    assert.equal(e.type, want.status === 401 ? 'authentication_error' : e.type, label);
    assert.equal(typeof e.message, 'string', label);
  } else if (d === 'ollama') {
    assert.equal(typeof j.error, 'string', `${label}: ollama errors are {"error":"..."}`);
  } else {
    const e = j.error as { message?: unknown; type?: unknown; code?: unknown };
    assert.equal(typeof e?.message, 'string', label);
    if (want.type) assert.equal(e.type, want.type, label);
  }
}

let h: Hearth;
let routes: Route[];
let apiKey = '';

before(async () => {
  routes = authenticatedRoutes();
  h = await startHearth({ model: false });
  const created = await runCli(['keys', 'create', '--name', 'auth-test', '--data-dir', h.dataDir]);
  assert.equal(created.code, 0, created.stderr);
  apiKey = created.stdout.trim();
});
after(async () => { await h?.[Symbol.asyncDispose](); });

const call = (route: Route, headers: Record<string, string> = {}, query = '') => fetch(`${h.url}${route.path}${query}`, {
  method: route.method,
  headers: { ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { 'content-type': 'application/json' }), ...route.headers, ...headers },
  ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: '{}' }),
});

test('the route table is read at test time and covers all three dialects, admin and metrics', () => {
  const paths = routes.map((r) => `${r.method} ${r.path}`);
  for (const want of ['GET /v1/models', 'POST /v1/chat/completions', 'POST /v1/completions', 'POST /v1/embeddings', 'POST /v1/messages',
    'POST /api/chat', 'POST /api/generate', 'GET /api/tags', 'GET /api/ps', 'POST /api/show', 'POST /api/embed', 'GET /api/version',
    'GET /metrics', 'GET /admin/status', 'GET /admin/keys', 'POST /admin/keys', 'GET /admin/settings']) {
    assert.ok(paths.includes(want), `route table lists ${want}`);
  }
  assert.ok(!paths.some((p) => /\/(healthz|readyz)$/.test(p)));
  assert.ok(routes.some((r) => r.headers['anthropic-version'] && r.path === '/v1/models'), 'Anthropic-client routes are reached with anthropic-version');
});

test('with the admin token every endpoint gets past auth (the 401s below are about the token)', async () => {
  for (const r of routes) {
    const res = await call(r, { authorization: `Bearer ${h.adminToken}` });
    await res.arrayBuffer();
    assert.notEqual(res.status, 401, `${r.method} ${r.path}`);
    assert.ok(res.status < 500, `${r.method} ${r.path} → ${res.status}`);
  }
});

test('no token: 401 with WWW-Authenticate, in the endpoint dialect', async () => {
  for (const r of routes) {
    const res = await call(r);
    const label = `${r.method} ${r.path}`;
    assert.equal(res.status, 401, label);
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer\b/, `${label}: WWW-Authenticate`);
    assertDialectBody(r, await res.text(), { status: 401, type: 'authentication_error' }, label);
  }
});

test('wrong, empty, Basic and 10 KB tokens: 401, never 500', async () => {
  const basic = (s: string) => `Basic ${Buffer.from(s).toString('base64')}`;
  const variants: Array<[string, Record<string, string>]> = [
    ['unknown hth_ key', { authorization: `Bearer hth_${randomBytes(32).toString('base64url')}` }],
    ['admin token + 1 char', { authorization: `Bearer ${h.adminToken}x` }],
    ['admin token - 1 char', { authorization: `Bearer ${h.adminToken.slice(0, -1)}` }],
    ['API key - 1 char', { authorization: `Bearer ${apiKey.slice(0, -1)}` }],
    ['wrong x-api-key', { 'x-api-key': 'wrong' }],
    ['empty Bearer', { authorization: 'Bearer ' }],
    ['bare Bearer', { authorization: 'Bearer' }],
    ['empty x-api-key', { 'x-api-key': '' }],
    ['empty Authorization', { authorization: '' }],
    ['Basic with the admin token as password', { authorization: basic(`admin:${h.adminToken}`) }],
    ['Basic with the admin token as user', { authorization: basic(`${h.adminToken}:`) }],
    ['Basic with the API key', { authorization: basic(`:${apiKey}`) }],
    ['admin token without a scheme', { authorization: h.adminToken }],
    ['10 KB Bearer', { authorization: `Bearer ${'a'.repeat(10 * 1024)}` }],
    ['10 KB x-api-key', { 'x-api-key': 'k'.repeat(10 * 1024) }],
    ['10 KB of the admin token repeated', { authorization: `Bearer ${h.adminToken.repeat(Math.ceil(10240 / h.adminToken.length))}` }],
    ['two tokens in one Bearer', { authorization: `Bearer ${h.adminToken} ${apiKey}` }],
  ];
  for (const r of routes) {
    for (const [name, headers] of variants) {
      const res = await call(r, headers);
      const label = `${r.method} ${r.path} (${name})`;
      assert.equal(res.status, 401, label);
      assert.ok(res.headers.get('www-authenticate'), `${label}: WWW-Authenticate`);
      assertDialectBody(r, await res.text(), { status: 401, type: 'authentication_error' }, label);
    }
  }
});

test('a token in the query string is not accepted', async () => {
  for (const r of routes) {
    for (const name of ['api_key', 'token', 'key', 'access_token', 'apikey']) {
      for (const t of [h.adminToken, apiKey]) {
        const res = await call(r, {}, `?${name}=${encodeURIComponent(t)}`);
        await res.arrayBuffer();
        assert.equal(res.status, 401, `${r.method} ${r.path}?${name}=`);
      }
    }
  }
});

test('a CR or LF inside the Authorization/x-api-key header: a clean 400 (JSON) or 401, never 500; the server lives on', async () => {
  const host = `Host: 127.0.0.1:${h.port}`;
  const variants: Array<[string, string[]]> = [
    ['CRLF then a line without a colon', [host, `Authorization: Bearer ${h.adminToken}\r\ninjected`]],
    ['CRLF splitting the token', [host, `Authorization: Bearer ${h.adminToken.slice(0, 10)}\r\n${h.adminToken.slice(10)}`]],
    ['bare CR in the value', [host, `Authorization: Bearer ${h.adminToken}\rx`]],
    ['bare LF in the value', [host, `x-api-key: ${apiKey}\nx`]],
    ['obs-fold continuation', [host, `Authorization: Bearer\r\n ${h.adminToken}`]],
    ['CRLF injecting a header', [host, 'Authorization: Bearer\r\nX-Injected: 1']],
    ['NUL in the value', [host, `Authorization: Bearer ${h.adminToken}\0`]],
  ];
  for (const r of routes) {
    for (const [name, lines] of variants) {
      const res = await rawExchange(h.port, rawRequest(r.method, r.path, [...lines, ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`)], r.method === 'GET' || r.method === 'DELETE' ? '' : '{}'));
      const label = `${r.method} ${r.path} (${name})`;
      assert.ok(res.status === 400 || res.status === 401, `${label}: got ${res.status} ${res.raw.slice(0, 200)}`);
      if (res.status === 400) {
        const j = JSON.parse(res.body) as { error?: { message?: string; type?: string } };
        assert.equal(j.error?.type, 'invalid_request_error', label);
        assert.equal(res.headers.connection, 'close', label);
      } else {
        assertDialectBody(r, res.body, { status: 401 }, label);
      }
      assert.ok(!res.raw.includes(h.adminToken) && !res.raw.includes(apiKey), `${label}: no token echoed`);
    }
  }
  assert.equal((await fetch(`${h.url}/healthz`)).status, 200);
  assert.ok(!/TypeError|RangeError|internal error/.test(h.stderr()), h.stderr());
});
