// Quantized GGUFs (Q8_0, Q4_0 block layouts, as real models ship) pass pre-validation, list with their
// quantization, load in the real engine and generate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { ensureModel } from '../support/make-model.js';
import { startHearth, waitReady } from '../support/server.js';

test('Q8_0 and Q4_0 models are valid, listed with their quantization, and generate', async () => {
  await using h = await startHearth({ model: false, args: ['--context-size', '256'] });
  copyFileSync(ensureModel('tiny-q8'), path.join(h.modelsDir, 'q8.gguf'));
  copyFileSync(ensureModel('tiny-q4'), path.join(h.modelsDir, 'q4.gguf'));
  await waitReady(h.url);
  const cat = (await (await fetch(`${h.url}/admin/models/catalog`, { headers: { authorization: `Bearer ${h.adminToken}` } })).json()) as { data: Array<{ name: string; valid: boolean; reason?: string; metadata?: { quantization?: string } }> };
  const byName = new Map(cat.data.map((r) => [r.name, r]));
  assert.equal(byName.get('q8')?.valid, true, byName.get('q8')?.reason);
  assert.equal(byName.get('q4')?.valid, true, byName.get('q4')?.reason);
  assert.match(byName.get('q8')!.metadata!.quantization!, /Q8_0/i);
  assert.match(byName.get('q4')!.metadata!.quantization!, /Q4_0/i);
  const client = new OpenAI({ baseURL: `${h.url}/v1`, apiKey: h.adminToken, maxRetries: 0 });
  for (const model of ['q8', 'q4']) {
    const r = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 6 });
    assert.equal(r.usage?.completion_tokens, 6, model);
    assert.ok((r.choices[0]!.message.content ?? '').length > 0, model);
  }
});
