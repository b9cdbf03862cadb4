// Load on demand, keep-alive unload and LRU eviction (issue 6, acceptance 3 and 5) on a real server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ensureModel } from '../support/make-model.js';
import { startHearth, waitReady } from '../support/server.js';

const H = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
type Ps = { models: Array<{ name: string; expires_at: string }> };

test('JIT load, keep-alive unload visible in /api/ps, and LRU eviction with room for one model', async () => {
  await using h = await startHearth({ model: 'a', args: ['--keep-alive', '1500ms', '--max-loaded-models', '1', '--context-size', '256'] });
  copyFileSync(ensureModel('tiny'), path.join(h.modelsDir, 'b.gguf'));
  await waitReady(h.url);
  const ps = async () => ((await (await fetch(`${h.url}/api/ps`, { headers: H(h.adminToken) })).json()) as Ps).models.map((m) => m.name.replace(/:latest$/, ''));
  const chat = (model: string) => fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: H(h.adminToken), body: JSON.stringify({ model, max_tokens: 3, messages: [{ role: 'user', content: 'x' }] }) });
  assert.deepEqual(await ps(), [], 'nothing loaded at start');

  const first = await chat('a');
  assert.equal(first.status, 200, 'the first request loads the model and answers');
  assert.deepEqual(await ps(), ['a']);

  let after: string[] = ['a'];
  for (let i = 0; i < 100 && after.length; i++) { await new Promise((r) => setTimeout(r, 100)); after = await ps(); }
  assert.deepEqual(after, [], 'unloaded after the keep-alive time');

  assert.equal((await chat('a')).status, 200);
  assert.equal((await chat('b')).status, 200);
  assert.deepEqual(await ps(), ['b'], 'asking for a second model evicted the first');
});

test('hostile GGUF files are listed invalid and loading them is refused with 422 without a native call', async () => {
  await using h = await startHearth({ args: ['--context-size', '256'] });
  const good = readFileSync(ensureModel('tiny'));
  const bad = Buffer.from(good); bad.write('GGUX', 0, 'latin1');
  writeFileSync(path.join(h.modelsDir, 'wrong-magic.gguf'), bad);
  writeFileSync(path.join(h.modelsDir, 'truncated.gguf'), good.subarray(0, 40));
  const list = (await (await fetch(`${h.url}/admin/models/catalog`, { headers: H(h.adminToken) })).json()) as { data?: Array<{ name: string; valid: boolean; reason?: string }> } | Array<{ name: string; valid: boolean; reason?: string }>;
  const records = (Array.isArray(list) ? list : list.data ?? []) as Array<{ name: string; valid: boolean; reason?: string; fit?: { fits: boolean; where: string; slots: number } }>;
  const tiny = records.find((r) => r.name === 'tiny');
  assert.ok(tiny?.fit, 'valid models carry a fit estimate for this machine');
  assert.equal(tiny.fit.fits, true);
  assert.ok(tiny.fit.slots >= 1);
  const rec = (await (await fetch(`${h.url}/admin/models/recommended`, { headers: H(h.adminToken) })).json()) as { data: Array<{ source: string; license: string; fit?: { where: string } }> };
  assert.ok(rec.data.length >= 3 && rec.data.every((r) => r.source.startsWith('hf:') && r.license && r.fit));
  for (const name of ['wrong-magic', 'truncated']) {
    const rec = records.find((r) => r.name === name);
    assert.ok(rec, `${name} listed`);
    assert.equal(rec.valid, false);
    assert.ok(rec.reason && rec.reason.length > 0);
    const r = await fetch(`${h.url}/admin/models/${name}/load`, { method: 'POST', headers: H(h.adminToken) });
    assert.equal(r.status, 422, name);
  }
  const models = (await (await fetch(`${h.url}/v1/models`, { headers: H(h.adminToken) })).json()) as { data: Array<{ id: string }> };
  assert.ok(!models.data.some((m) => m.id === 'wrong-magic' || m.id === 'truncated'), 'invalid files are not offered as models');
  const st = (await (await fetch(`${h.url}/admin/status`, { headers: H(h.adminToken) })).json()) as { engine: { restarts: number }; loaded: unknown[] };
  assert.equal(st.engine.restarts, 0);
  assert.deepEqual(st.loaded, [], 'nothing reached the engine');
});

test('Ollama keep_alive on a load request sets the idle time; keep_alive 0 unloads', async () => {
  await using h = await startHearth({ args: ['--keep-alive', '10m', '--context-size', '256'] });
  await waitReady(h.url);
  const gen = (body: Record<string, unknown>) => fetch(`${h.url}/api/generate`, { method: 'POST', headers: H(h.adminToken), body: JSON.stringify({ model: 'tiny', prompt: '', ...body }) });
  const ps = async () => ((await (await fetch(`${h.url}/api/ps`, { headers: H(h.adminToken) })).json()) as Ps).models;
  const loaded = (await (await gen({ keep_alive: '1s' })).json()) as { done: boolean; done_reason: string };
  assert.equal(loaded.done_reason, 'load');
  const [m] = await ps();
  assert.ok(m, 'loaded');
  assert.ok(Date.parse(m.expires_at) - Date.now() < 5_000, `expires within seconds, not the 10 min default (${m.expires_at})`);
  let left = await ps();
  for (let i = 0; i < 100 && left.length; i++) { await new Promise((r) => setTimeout(r, 100)); left = await ps(); }
  assert.deepEqual(left, [], 'unloaded after its own keep_alive');
  await gen({ keep_alive: -1 });
  assert.equal((await ps()).length, 1);
  const unloaded = (await (await gen({ keep_alive: 0 })).json()) as { done_reason: string };
  assert.equal(unloaded.done_reason, 'unload');
  assert.deepEqual(await ps(), []);
});
