// Engine isolation (issue 2, acceptance 3–5): a lying GGUF fails cleanly, a killed worker fails only
// its in-flight request and restarts, SIGTERM lets a stream finish and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { ensureModel } from '../support/make-model.js';
import { startHearth, waitReady } from '../support/server.js';

const auth = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });

test('a GGUF whose header lies or is truncated fails to load with a clean error; the server stays up', async () => {
  await using h = await startHearth({ args: ['--context-size', '256'] });
  const good = readFileSync(ensureModel('tiny'));
  writeFileSync(path.join(h.modelsDir, 'truncated.gguf'), good.subarray(0, 4096));
  const liar = Buffer.from(good);
  liar.writeBigUInt64LE(1n << 40n, 8); // tensor count far beyond what the file holds
  writeFileSync(path.join(h.modelsDir, 'liar.gguf'), liar);
  for (const model of ['truncated', 'liar']) {
    const r = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: auth(h.adminToken), body: JSON.stringify({ model, messages: [{ role: 'user', content: 'x' }] }) });
    assert.ok(r.status >= 400 && r.status < 500, `${model}: ${r.status}`);
    const j = (await r.json()) as { error: { message: string } };
    assert.match(j.error.message, /not a valid GGUF|does not exist/);
  }
  const ok = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: auth(h.adminToken), body: JSON.stringify({ model: 'tiny', max_tokens: 3, messages: [{ role: 'user', content: 'x' }] }) });
  assert.equal(ok.status, 200);
  const status = (await (await fetch(`${h.url}/admin/status`, { headers: auth(h.adminToken) })).json()) as { engine: { restarts: number } };
  assert.equal(status.engine.restarts, 0, 'no worker crash');
});

test('kill -9 of the engine worker during a stream: that client gets an error, /readyz reports it, the next request works', async () => {
  await using h = await startHearth({ args: ['--model', 'tiny', '--context-size', '512'] });
  await waitReady(h.url);
  const st = (await (await fetch(`${h.url}/admin/status`, { headers: auth(h.adminToken) })).json()) as { workerPid: number };
  assert.ok(st.workerPid > 0);
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.adminToken, maxRetries: 0 });
  const stream = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'go' }], max_tokens: 400, stream: true });
  let chunks = 0;
  let failure: unknown;
  let readyAfterKill: { status: number; body: { reason: string; engine: { restarts: number; lastCrash: unknown } } } | undefined;
  try {
    for await (const c of stream) {
      if (c.choices[0]?.delta?.content) chunks++;
      if (chunks === 3) {
        process.kill(st.workerPid, 'SIGKILL');
        // Bounded: wait for the supervisor to notice.
        for (let i = 0; i < 50; i++) {
          const r = await fetch(`${h.url}/readyz`);
          const body = (await r.json()) as { reason: string; engine: { restarts: number; lastCrash: unknown } };
          if (body.engine.restarts >= 1) { readyAfterKill = { status: r.status, body }; break; }
          await new Promise((res) => setTimeout(res, 20));
        }
      }
    }
  } catch (err) { failure = err; }
  assert.ok(failure, 'the stream must end with an error, not a clean finish');
  assert.match(String((failure as Error).message), /engine worker stopped/);
  assert.ok(readyAfterKill, '/readyz must report the crash');
  assert.equal(readyAfterKill.body.engine.restarts, 1);
  assert.ok(readyAfterKill.body.engine.lastCrash);
  const ready = await waitReady(h.url);
  assert.equal((ready.engine as { restarts: number }).restarts, 1);
  const next = await client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'again' }], max_tokens: 4 });
  assert.equal(next.choices[0]!.finish_reason, 'length');
});

test('SIGTERM during a stream: the stream finishes and the process exits 0', async () => {
  const h = await startHearth({ args: ['--model', 'tiny', '--context-size', '512'] });
  try {
    await waitReady(h.url);
    const r = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: auth(h.adminToken), body: JSON.stringify({ model: 'tiny', max_tokens: 200, stream: true, messages: [{ role: 'user', content: 'long' }] }) });
    assert.equal(r.status, 200);
    const reader = r.body!.getReader();
    const first = await reader.read();
    assert.ok(!first.done);
    const exit = h.stop('SIGTERM');
    let text = new TextDecoder().decode(first.value);
    for (;;) { const { done, value } = await reader.read(); if (done) break; text += new TextDecoder().decode(value); }
    assert.match(text, /"finish_reason":"length"/);
    assert.ok(text.trimEnd().endsWith('data: [DONE]'));
    assert.equal(await exit, 0);
  } finally { await h.stop('SIGKILL'); }
});
