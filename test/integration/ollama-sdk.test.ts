// The official `ollama` npm client against a real `hearth serve` with the tiny model (issue 5,
// acceptance 1): streamed and non-streamed chat and generate, tags/ps/show/embed/version, options and
// keep_alive honoured or refused, load/unload requests, and errors in Ollama's format.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Ollama } from 'ollama';
import { startHearth, waitReady, type Hearth } from '../support/server.js';

let h: Hearth;
let ollama: Ollama;

before(async () => {
  h = await startHearth({ args: ['--model', 'tiny', '--context-size', '512'] });
  await waitReady(h.url);
  ollama = new Ollama({ host: h.url, headers: { authorization: `Bearer ${h.adminToken}` } });
});
after(async () => { await h?.[Symbol.asyncDispose](); });

/** Asserts the promise rejects with the client's ResponseError for `status`, message matching `re`. */
async function refused(p: Promise<unknown>, status: number, re: RegExp) {
  await assert.rejects(p, (e: unknown) => {
    const err = e as { name?: string; status_code?: number; error?: string };
    assert.equal(err.name, 'ResponseError', String(e));
    assert.equal(err.status_code, status);
    assert.match(err.error ?? '', re);
    return true;
  });
}

function assertStats(r: { eval_count: number; prompt_eval_count: number; total_duration: number; load_duration: number; prompt_eval_duration: number; eval_duration: number }, evalCount: number) {
  assert.equal(r.eval_count, evalCount);
  assert.ok(r.prompt_eval_count > 0);
  for (const k of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration'] as const) assert.ok(Number.isInteger(r[k]) && r[k] >= 0, `${k}: ${r[k]}`);
  assert.ok(r.total_duration > 0 && r.eval_duration > 0);
  // Nanoseconds: a multi-token answer takes well over 1000 ns.
  assert.ok(r.total_duration > 1000);
}

test('streams a chat as NDJSON with done, done_reason and statistics', async () => {
  const stream = await ollama.chat({ model: 'tiny', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Say hello' }], stream: true, options: { num_predict: 10, temperature: 0.7, top_k: 40, top_p: 0.9, repeat_penalty: 1.1 } });
  let parts = 0; let text = ''; let last;
  for await (const part of stream) {
    if (part.message.content) { parts++; text += part.message.content; }
    last = part;
  }
  assert.ok(parts >= 2, `expected ≥2 content parts, got ${parts}`);
  assert.ok(text.length > 0);
  assert.ok(last?.done);
  assert.equal(last.done_reason, 'length');
  assert.equal(last.model, 'tiny');
  assertStats(last, 10);
});

test('non-streamed chat, `<name>:latest`, and greedy decoding is deterministic', async () => {
  const ask = () => ollama.chat({ model: 'tiny:latest', messages: [{ role: 'user', content: 'Repeat' }], options: { num_predict: 8, temperature: 0, seed: 1 } });
  const [a, b] = [await ask(), await ask()];
  assert.equal(a.model, 'tiny:latest');
  assert.equal(a.message.role, 'assistant');
  assert.ok(a.message.content.length > 0);
  assert.equal(a.message.content, b.message.content);
  assert.equal(a.done, true);
  assert.equal(a.done_reason, 'length');
  assertStats(a, 8);
});

test('generate: templated, raw, and streamed', async () => {
  const g = await ollama.generate({ model: 'tiny', prompt: 'Once upon a time', system: 'Tell a story.', options: { num_predict: 6 } });
  assert.ok((g.response ?? '').length > 0);
  assert.equal(g.done_reason, 'length');
  assertStats(g, 6);
  const raw = await ollama.generate({ model: 'tiny', prompt: 'Once upon a time', raw: true, options: { num_predict: 4, stop: ['\n\n'] } });
  assert.ok(raw.eval_count >= 1 && raw.eval_count <= 4, `eval_count ${raw.eval_count}`);
  assert.ok(!(raw.response ?? '').includes('\n\n'));
  const s = await ollama.generate({ model: 'tiny', prompt: 'Once', stream: true, options: { num_predict: 5 } });
  let parts = 0; let done = false;
  for await (const p of s) { if (p.response) parts++; if (p.done) { done = true; assert.equal(p.eval_count, 5); } }
  assert.ok(parts >= 2);
  assert.ok(done);
});

test('lists tags, shows a model, reports the version, embeds', async () => {
  const tags = await ollama.list();
  const tiny = tags.models.find((m) => m.name === 'tiny');
  assert.ok(tiny, `models: ${tags.models.map((m) => m.name).join(',')}`);
  assert.equal(tiny.details.format, 'gguf');
  assert.equal(tiny.details.family, 'llama');
  assert.ok(tiny.size > 0);
  assert.match(tiny.digest, /^[0-9a-f]{64}$/);

  const show = await ollama.show({ model: 'tiny:latest' });
  assert.equal(show.details.family, 'llama');
  assert.equal(show.details.quantization_level, 'F16');
  assert.equal((show.model_info as unknown as Record<string, unknown>)['llama.embedding_length'], 64);
  assert.match(show.parameters, /num_ctx 512/);
  await refused(ollama.show({ model: 'nope' }), 404, /nope/);

  const v = await ollama.version();
  assert.match(v.version, /^\d+\.\d+\.\d+/);

  const e = await ollama.embed({ model: 'tiny', input: ['hello', 'world'] });
  assert.equal(e.model, 'tiny');
  assert.equal(e.embeddings.length, 2);
  assert.equal(e.embeddings[0]!.length, 64);
  assert.ok(e.embeddings[0]!.some((x) => x !== 0));
  assert.ok((e as unknown as { prompt_eval_count: number }).prompt_eval_count > 0);
  const one = await ollama.embed({ model: 'tiny', input: 'hello' });
  assert.deepEqual(one.embeddings[0], e.embeddings[0]);
  const legacy = await ollama.embeddings({ model: 'tiny', prompt: 'hello' });
  assert.deepEqual(legacy.embedding, e.embeddings[0]);
});

test('options: honoured ones work, unsupported ones and a too-large num_ctx are refused by name', async () => {
  const ok = await ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], options: { num_ctx: 512, num_predict: 3, min_p: 0.1, presence_penalty: 0.2, frequency_penalty: 0.2 } });
  assert.equal(ok.eval_count, 3);
  await refused(ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], options: { mirostat: 2 } }), 400, /options\.mirostat/);
  await refused(ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], options: { num_ctx: 4096 } }), 400, /num_ctx 4096.*512/);
  await refused(ollama.generate({ model: 'tiny', prompt: 'x', options: { temperature: 'hot' as unknown as number } }), 400, /temperature/);
  await refused(ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], format: 'json' }), 400, /format/);
  await refused(ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: {} } } }] }), 400, /tools/);
  await refused(ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], keep_alive: 'soon' }), 400, /keep_alive/);
});

test('errors come as {"error": "..."} with the right status', async () => {
  await refused(ollama.chat({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }), 404, /nope/);
  await refused(ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'word '.repeat(2000) }] }), 400, /512/);
  await refused(new Ollama({ host: h.url, headers: { authorization: 'Bearer wrong' } }).list(), 401, /API key/);
  const r = await fetch(`${h.url}/api/chat`, { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' }, body: '{"model": "tiny", "messages": [' });
  assert.equal(r.status, 400);
  assert.deepEqual(Object.keys((await r.json()) as object), ['error']);
  const forbidden = await fetch(`${h.url}/api/generate`, { method: 'POST', headers: { authorization: `Bearer ${h.adminToken}` }, body: JSON.stringify({ model: 'tiny', prompt: 'x', api_base: 'http://127.0.0.1:1' }) });
  assert.equal(forbidden.status, 400);
  assert.match(((await forbidden.json()) as { error: string }).error, /api_base/);
});

test('keep_alive is honoured: ps shows the expiry; 0 unloads, an empty prompt loads', async () => {
  await ollama.chat({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], keep_alive: '1m', options: { num_predict: 1 } });
  let ps = await ollama.ps();
  let m = ps.models.find((x) => x.name === 'tiny');
  assert.ok(m, 'tiny is loaded');
  const left = Date.parse(m.expires_at as unknown as string) - Date.now();
  assert.ok(left > 0 && left <= 60_000, `expires in ${left} ms`);
  assert.ok(m.size > 0);

  await ollama.generate({ model: 'tiny', prompt: 'x', keep_alive: -1, options: { num_predict: 1 } });
  ps = await ollama.ps();
  m = ps.models.find((x) => x.name === 'tiny');
  assert.ok(m && Date.parse(m.expires_at as unknown as string) - Date.now() > 100 * 365 * 86_400_000, 'keep_alive -1: never expires');

  const unload = await ollama.generate({ model: 'tiny', prompt: '', keep_alive: 0 });
  assert.equal(unload.done, true);
  assert.equal(unload.done_reason, 'unload');
  assert.equal((await ollama.ps()).models.length, 0);

  const load = await ollama.chat({ model: 'tiny:latest', messages: [] });
  assert.equal(load.done_reason, 'load');
  assert.deepEqual((await ollama.ps()).models.map((x) => x.name), ['tiny']);

  // keep_alive 0 on a generation unloads the model once it is done.
  await ollama.generate({ model: 'tiny', prompt: 'x', keep_alive: 0, options: { num_predict: 1 } });
  let names: string[] = ['tiny'];
  for (let i = 0; i < 50 && names.length; i++) { names = (await ollama.ps()).models.map((x) => x.name); if (names.length) await new Promise((r) => setTimeout(r, 100)); }
  assert.deepEqual(names, []);
  // And it loads again on demand.
  const again = await ollama.generate({ model: 'tiny', prompt: 'x', options: { num_predict: 2 } });
  assert.equal(again.eval_count, 2);
});
