// Spill-over (issue 5, acceptance 5): with the local queue full, a key allowed to spill is answered
// by the named upstream, and a local-only key gets 429 with Retry-After.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { runCli, startHearth, waitReady } from '../support/server.js';

const UPSTREAM_KEY = 'sk-spill-upstream-key';

test('local queue full: allowSpill key → upstream, local-only key → 429', async () => {
  const seen: { model: string; auth?: string }[] = [];
  const upstream = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => { raw += d; });
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as { model?: string };
      if (req.method !== 'POST') { res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ data: [{ id: 'big-model' }] })); return; }
      seen.push({ model: String(body.model), auth: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { content: 'spilled' }, finish_reason: 'stop' }] })}\n\n`);
      res.write(`data: ${JSON.stringify({ choices: [], usage: { prompt_tokens: 3, completion_tokens: 1 } })}\n\n`);
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'hearth-spill-'));
  let hold: AbortController | undefined;
  try {
    const spiller = await runCli(['keys', 'create', '--name', 'spiller', '--allow-spill', '--data-dir', dataDir]);
    const local = await runCli(['keys', 'create', '--name', 'local-only', '--data-dir', dataDir]);
    assert.equal(spiller.code, 0, spiller.stderr);
    assert.equal(local.code, 0, local.stderr);
    const spillKey = spiller.stdout.trim();
    const localKey = local.stdout.trim();

    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    await using h = await startHearth({
      dataDir,
      args: ['--model', 'tiny', '--context-size', '4096', '--max-concurrency', '1', '--max-queue', '0', '--upstream', `up=openai:${url}`, '--spill', 'tiny=up/big-model'],
      env: { HEARTH_UPSTREAM_UP_KEY: UPSTREAM_KEY },
    });
    await waitReady(h.url);
    // /readyz is 200 as soon as the upstream can serve; wait for the local model's slot too.
    for (let i = 0; i < 200; i++) {
      const r = (await (await fetch(`${h.url}/readyz`)).json()) as { models: Record<string, { slotsTotal: number }> };
      if ((r.models['local:tiny']?.slotsTotal ?? 0) > 0) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    const chat = (key: string, extra: Record<string, unknown> = {}, signal?: AbortSignal) => fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4, ...extra }), ...(signal ? { signal } : {}),
    });

    // Hold the only local slot with a long stream; the first chunk proves it is generating.
    hold = new AbortController();
    const held = await chat(h.adminToken, { stream: true, max_tokens: 3000 }, hold.signal);
    assert.equal(held.status, 200);
    const reader = held.body!.getReader();
    await reader.read();
    assert.equal(seen.length, 0, 'the held stream runs locally');

    const refused = await chat(localKey);
    assert.equal(refused.status, 429, 'local-only key is refused while the local queue is full');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    await refused.body?.cancel();
    assert.equal(seen.length, 0, 'nothing spilled for the local-only key');

    const spilled = await chat(spillKey);
    assert.equal(spilled.status, 200);
    const j = (await spilled.json()) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
    assert.equal(j.choices[0]!.message.content, 'spilled');
    assert.equal(j.usage.completion_tokens, 1);

    const streamed = await chat(spillKey, { stream: true });
    assert.equal(streamed.status, 200);
    const text = await streamed.text();
    assert.match(text, /spilled/);
    assert.match(text, /\[DONE\]/);

    assert.deepEqual(seen.map((s) => s.model), ['big-model', 'big-model'], 'the upstream got its own model name');
    assert.ok(seen.every((s) => s.auth === `Bearer ${UPSTREAM_KEY}`), 'with the configured key');

    hold.abort();
    await reader.cancel().catch(() => undefined);
    let pools: Record<string, { slotsUsed: number }> = {};
    for (let i = 0; i < 60; i++) {
      pools = ((await (await fetch(`${h.url}/readyz`)).json()) as { models: Record<string, { slotsUsed: number }> }).models;
      if (pools['local:tiny']?.slotsUsed === 0 && pools['upstream:up']?.slotsUsed === 0) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(pools['local:tiny']?.slotsUsed, 0);
    assert.equal(pools['upstream:up']?.slotsUsed, 0);
  } finally {
    hold?.abort();
    await new Promise((r) => upstream.close(r));
    upstream.closeAllConnections();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
