// Fixture tests of the Ollama dialect: request JSON → canonical request (options, keep_alive, names,
// load/unload), canonical events → NDJSON wire output (through a real HTTP response), and listings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chatToCanonical, checkNumCtx, collectedResponse, embedInput, generateToCanonical, loadResponse, modelNameOf, ollamaSink,
  parameterSize, parseKeepAlive, psResponse, showInput, showResponse, statsOf, tagsResponse,
} from '../../../../server/dialects/ollama.js';
import { OllamaChatChunk, OllamaGenerateChunk, OllamaPs, OllamaTags } from '../../../../server/contract/ollama.js';
import { HearthError, hearthError } from '../../../../server/errors/catalog.js';
import { runSink } from './sink-harness.js';

function rejects(fn: () => unknown, code: string, pattern: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof HearthError, String(e));
    assert.equal(e.code, code);
    assert.equal(e.status, 400);
    assert.match(e.message, pattern);
    return true;
  });
}

test('keep_alive: seconds, Go durations, 0 = unload after, negative or huge = forever', () => {
  const cases: Array<[number | string | null | undefined, number | undefined]> = [
    [undefined, undefined], [null, undefined], [0, 0], ['0', 0], ['0s', 0], [300, 300_000], ['300', 300_000], [1.5, 1500],
    ['5m', 300_000], ['1h30m', 5_400_000], ['500ms', 500], ['1.5h', 5_400_000], ['-1', -1], [-1, -1], ['-5m', -1],
    [1e9, -1], ['9999h', -1],
  ];
  for (const [input, ms] of cases) assert.equal(parseKeepAlive(input), ms, `keep_alive ${JSON.stringify(input)}`);
  rejects(() => parseKeepAlive('soon'), 'ERR_VALIDATION', /keep_alive.*not a duration/);
  rejects(() => parseKeepAlive('5 minutes'), 'ERR_VALIDATION', /keep_alive/);
});

test('`<name>:latest` means the local `<name>`; upstream names are left alone', () => {
  assert.equal(modelNameOf('tiny:latest'), 'tiny');
  assert.equal(modelNameOf('tiny'), 'tiny');
  assert.equal(modelNameOf('tiny:7b'), 'tiny:7b');
  assert.equal(modelNameOf('ollama/llama3:latest'), 'ollama/llama3:latest');
});

test('/api/chat: messages, options and keep_alive become the canonical chat; stream defaults to true', () => {
  const call = chatToCanonical({
    model: 'tiny:latest', keep_alive: '10m',
    messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yo', thinking: 'hmm' }],
    options: { num_ctx: 512, num_predict: 12, temperature: 0.2, top_k: 20, top_p: 0.8, min_p: 0.05, seed: 42, stop: ['###'], repeat_penalty: 1.1, presence_penalty: 0.5, frequency_penalty: -0.5 },
  });
  assert.deepEqual(call, {
    kind: 'chat', displayModel: 'tiny:latest', model: 'tiny', stream: true, keepAliveMs: 600_000, numCtx: 512,
    canonical: {
      kind: 'chat', model: 'tiny', keepAliveMs: 600_000,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Yo' }],
      sampling: { maxTokens: 12, temperature: 0.2, topK: 20, topP: 0.8, minP: 0.05, seed: 42, stop: ['###'], repeatPenalty: 1.1, presencePenalty: 0.5, frequencyPenalty: -0.5 },
    },
  });
  const plain = chatToCanonical({ model: 'tiny', stream: false, messages: [{ role: 'user', content: 'x' }], options: { num_predict: -1, seed: -1, stop: 'END' } });
  assert.equal(plain.stream, false);
  assert.deepEqual(plain.canonical?.sampling, { stop: ['END'] });
  assert.equal(plain.keepAliveMs, undefined);
  // No messages: a load request (no canonical).
  const load = chatToCanonical({ model: 'tiny', messages: [], keep_alive: 0 });
  assert.equal(load.canonical, undefined);
  assert.equal(load.keepAliveMs, 0);
});

test('unsupported options and fields are refused by name', () => {
  const chat = (extra: Record<string, unknown>) => () => chatToCanonical({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], ...extra });
  rejects(chat({ options: { mirostat: 2, num_gpu: 1 } }), 'ERR_NOT_SUPPORTED', /options\.mirostat, options\.num_gpu.*Hearth honours: num_ctx/);
  rejects(chat({ options: { temperature: 'hot' } }), 'ERR_VALIDATION', /options\.temperature/);
  rejects(chat({ options: { num_predict: -3 } }), 'ERR_VALIDATION', /options\.num_predict/);
  rejects(chat({ format: 'json' }), 'ERR_VALIDATION', /format \(structured output\) is not supported/);
  rejects(chat({ tools: [{ type: 'function' }] }), 'ERR_VALIDATION', /tools is not supported/);
  rejects(chat({ think: true }), 'ERR_VALIDATION', /think is not supported/);
  rejects(chat({ messages: [{ role: 'user', content: 'x', images: ['AAAA'] }] }), 'ERR_VALIDATION', /messages\.0\.images/);
  rejects(chat({ messages: [{ role: 'tool', content: 'x' }] }), 'ERR_NOT_SUPPORTED', /tool messages/);
  rejects(chat({ keep_alive: 'later' }), 'ERR_VALIDATION', /keep_alive/);
  rejects(chat({ base_url: 'http://evil' }), 'ERR_FORBIDDEN_FIELD', /base_url/);
  // Empty format/tools, think false and null options are fine.
  assert.ok(chatToCanonical({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], format: '', tools: [], think: false, options: null }).canonical);
});

test('/api/generate: templated prompt with system, raw prompt, empty prompt = load', () => {
  const g = generateToCanonical({ model: 'tiny', prompt: 'Hello', system: 'Be brief.', stream: false, options: { num_predict: 5 } });
  assert.equal(g.kind, 'generate');
  assert.equal(g.stream, false);
  assert.deepEqual(g.canonical, { kind: 'chat', model: 'tiny', messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }], sampling: { maxTokens: 5 } });
  const raw = generateToCanonical({ model: 'tiny', prompt: '[INST] x [/INST]', raw: true, keep_alive: -1 });
  assert.deepEqual(raw.canonical, { kind: 'completion', model: 'tiny', prompt: '[INST] x [/INST]', sampling: {}, keepAliveMs: -1 });
  assert.equal(raw.stream, true);
  const load = generateToCanonical({ model: 'tiny:latest' });
  assert.equal(load.canonical, undefined);
  assert.equal(load.model, 'tiny');
  rejects(() => generateToCanonical({ model: 'tiny', prompt: 'x', raw: true, system: 's' }), 'ERR_NOT_SUPPORTED', /system cannot be combined with raw/);
  rejects(() => generateToCanonical({ model: 'tiny', prompt: 'x', context: [1, 2, 3] }), 'ERR_VALIDATION', /context/);
  rejects(() => generateToCanonical({ model: 'tiny', prompt: 'x', suffix: 'end' }), 'ERR_VALIDATION', /suffix/);
  rejects(() => generateToCanonical({ model: 'tiny', prompt: 'x', template: '{{ .Prompt }}' }), 'ERR_VALIDATION', /template/);
});

test('num_ctx must fit the loaded context', () => {
  checkNumCtx(undefined, 512, 'tiny');
  checkNumCtx(512, 512, 'tiny');
  checkNumCtx(4096, undefined, 'tiny');
  rejects(() => checkNumCtx(4096, 512, 'tiny'), 'ERR_NOT_SUPPORTED', /num_ctx 4096 is larger than the 512-token context "tiny"/);
});

test('/api/embed and /api/show inputs', () => {
  assert.deepEqual(embedInput({ model: 'tiny:latest', input: 'a' }), { displayModel: 'tiny:latest', model: 'tiny', input: ['a'] });
  assert.deepEqual(embedInput({ model: 'tiny', input: ['a', 'b'], keep_alive: '1m' }), { displayModel: 'tiny', model: 'tiny', input: ['a', 'b'], keepAliveMs: 60_000 });
  assert.deepEqual(embedInput({ model: 'tiny' }).input, []);
  rejects(() => embedInput({ model: 'tiny', input: 'a', dimensions: 8 }), 'ERR_VALIDATION', /dimensions/);
  assert.deepEqual(showInput({ name: 'tiny:latest' }), { displayModel: 'tiny:latest', model: 'tiny' });
  rejects(() => showInput({}), 'ERR_VALIDATION', /model is required/);
});

test('statistics are integer nanoseconds', () => {
  const s = statsOf({ promptTokens: 10, completionTokens: 4 }, { totalMs: 12.5, promptMs: 2.25 });
  assert.deepEqual(s, { total_duration: 12_500_000, load_duration: 0, prompt_eval_count: 10, prompt_eval_duration: 2_250_000, eval_count: 4, eval_duration: 10_250_000 });
  const r = collectedResponse('chat', 'tiny:latest', { text: 'Hey', finishReason: 'length', usage: { promptTokens: 3, completionTokens: 1 }, durationMs: 10, firstTokenMs: 4 });
  OllamaChatChunk.parse(r);
  assert.equal(r.model, 'tiny:latest');
  assert.ok('message' in r && r.message.content === 'Hey');
  assert.equal(r.done, true);
  assert.equal(r.done_reason, 'length');
  assert.equal(r.eval_duration, 6_000_000);
  const g = collectedResponse('generate', 'tiny', { text: 'x', finishReason: 'stop', usage: { promptTokens: 3, completionTokens: 1 }, durationMs: 10, firstTokenMs: 4 });
  OllamaGenerateChunk.parse(g);
  assert.equal(g.done_reason, 'stop');
  assert.deepEqual({ ...loadResponse('generate', 'tiny', 'unload'), created_at: '' }, { model: 'tiny', created_at: '', response: '', done: true, done_reason: 'unload' });
});

test('the NDJSON stream: one line per delta, a final line with statistics, heartbeats are valid chunks', async () => {
  const r = await runSink((res) => ollamaSink(res, { kind: 'chat', model: 'tiny:latest', stallMs: 5000 }), async (s) => {
    s.open();
    s.heartbeat();
    await s.write({ type: 'start', promptTokens: 6 });
    await s.write({ type: 'delta', text: 'Hel' });
    await s.write({ type: 'delta', text: 'lo' });
    await s.write({ type: 'done', finishReason: 'stop', usage: { promptTokens: 6, completionTokens: 2 } });
    s.end();
  });
  assert.equal(r.status, 200);
  assert.equal(r.contentType, 'application/x-ndjson');
  assert.ok(r.body.endsWith('\n'));
  const lines = r.body.trim().split('\n').map((l) => OllamaChatChunk.parse(JSON.parse(l)));
  assert.equal(lines.length, 4);
  assert.deepEqual(lines.map((l) => l.message.content), ['', 'Hel', 'lo', '']);
  assert.deepEqual(lines.map((l) => l.done), [false, false, false, true]);
  const last = lines[3]!;
  assert.equal(last.model, 'tiny:latest');
  assert.equal(last.done_reason, 'stop');
  assert.equal(last.prompt_eval_count, 6);
  assert.equal(last.eval_count, 2);
  for (const k of ['total_duration', 'load_duration', 'prompt_eval_duration', 'eval_duration'] as const) assert.ok(Number.isInteger(last[k]) && last[k]! >= 0, k);
  assert.ok(last.total_duration! >= last.eval_duration!);
});

test('/api/generate chunks carry `response`; a failure is one {"error"} line, then the stream closes', async () => {
  const r = await runSink((res) => ollamaSink(res, { kind: 'generate', model: 'tiny', stallMs: 5000 }), async (s) => {
    s.open();
    await s.write({ type: 'start', promptTokens: 1 });
    await s.write({ type: 'delta', text: 'par' });
    s.fail(hearthError('ERR_UPSTREAM', 'The upstream closed the stream.'));
  });
  const lines = r.body.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  assert.equal(OllamaGenerateChunk.parse(lines[0]).response, 'par');
  assert.deepEqual(lines[1], { error: 'The upstream closed the stream.' });
});

test('tags, ps and show describe models in Ollama fields', () => {
  const tiny = { id: 'tiny', owner: 'local', size: 273792, modifiedAt: '2025-01-02T03:04:05.000Z', details: { architecture: 'llama', displayName: 'hearth-tiny', parameterCount: 131392, quantization: 'F16', contextLength: 16384, embeddingLength: 64, layers: 2, headCount: 4, headCountKv: 4, hasChatTemplate: false } };
  const up = { id: 'up/gpt-x', owner: 'up' };
  const tags = OllamaTags.parse(tagsResponse([tiny, up]));
  assert.deepEqual(tags.models[0], {
    name: 'tiny', model: 'tiny', modified_at: '2025-01-02T03:04:05.000Z', size: 273792, digest: tags.models[0]!.digest,
    details: { parent_model: '', format: 'gguf', family: 'llama', families: ['llama'], parameter_size: '131.39K', quantization_level: 'F16' },
  });
  assert.match(tags.models[0]!.digest, /^[0-9a-f]{64}$/);
  assert.equal(tags.models[1]!.name, 'up/gpt-x');
  assert.equal(tags.models[1]!.details.format, '');

  const info = { model: 'tiny', slots: 1, contextSize: 512, gpu: 'false', threads: 1, sizeBytes: 263424, slotsReason: '' };
  const now = Date.parse('2030-01-01T00:00:00Z');
  const ps = OllamaPs.parse(psResponse([{ name: 'tiny', info, active: 0, expiresAt: '2030-01-01T00:05:00.000Z' }, { name: 'other', info: { ...info, gpu: 'cuda' }, active: 1 }], [tiny], now));
  assert.equal(ps.models[0]!.expires_at, '2030-01-01T00:05:00.000Z');
  assert.equal(ps.models[0]!.size_vram, 0);
  assert.equal(ps.models[0]!.digest, tags.models[0]!.digest);
  assert.equal(ps.models[1]!.size_vram, 263424);
  assert.ok(Date.parse(ps.models[1]!.expires_at) - now > 200 * 365 * 86_400_000, 'in use / forever: far future like Ollama');

  const show = showResponse(tiny, info);
  assert.equal(show.details.family, 'llama');
  assert.equal(show.parameters, 'num_ctx 512');
  assert.match(show.modelfile, /FROM tiny/);
  assert.deepEqual(show.model_info, {
    'general.architecture': 'llama', 'general.name': 'hearth-tiny', 'general.parameter_count': 131392, 'llama.context_length': 16384,
    'llama.embedding_length': 64, 'llama.block_count': 2, 'llama.attention.head_count': 4, 'llama.attention.head_count_kv': 4,
  });
  assert.equal(showResponse(up).parameters, '');
});

test('parameter sizes read like Ollama', () => {
  assert.equal(parameterSize(8_030_261_248), '8.0B');
  assert.equal(parameterSize(494_032_768), '494.03M');
  assert.equal(parameterSize(131_392), '131.39K');
  assert.equal(parameterSize(undefined), '');
});
