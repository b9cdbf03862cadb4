// Keep-alive while queued (issue 3): a queued stream receives SSE comments (OpenAI) and NDJSON-safe
// blank lines (Ollama) before its first token, so proxies do not time it out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startHearth, waitReady } from '../support/server.js';
import { startStream } from '../support/stream.js';

async function readUntil(r: Response, pred: (text: string) => boolean): Promise<string> {
  const dec = new TextDecoder();
  let text = '';
  for await (const part of r.body as unknown as AsyncIterable<Uint8Array>) {
    text += dec.decode(part, { stream: true });
    if (pred(text)) break;
  }
  return text;
}

test('a queued stream gets heartbeats before its first token, in its dialect', async () => {
  await using h = await startHearth({ args: ['--model', 'tiny', '--context-size', '2048', '--max-concurrency', '1', '--max-queue', '4', '--heartbeat-ms', '100'] });
  await waitReady(h.url);
  const holder = await startStream(h.url, h.adminToken, { max_tokens: 1200 });
  const headers = { authorization: `Bearer ${h.adminToken}`, 'content-type': 'application/json' };
  const sse = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers, body: JSON.stringify({ model: 'tiny', stream: true, max_tokens: 3, messages: [{ role: 'user', content: 'x' }] }) });
  assert.equal(sse.headers.get('x-queue-position'), '1');
  const nd = await fetch(`${h.url}/api/chat`, { method: 'POST', headers, body: JSON.stringify({ model: 'tiny', stream: true, options: { num_predict: 3 }, messages: [{ role: 'user', content: 'x' }] }) });
  assert.equal(nd.headers.get('x-queue-position'), '2');
  const [sseText, ndText] = await Promise.all([readUntil(sse, (t) => t.includes('data: ')), readUntil(nd, (t) => t.includes('"done":true'))]);
  assert.ok(sseText.startsWith(': keep-alive\n\n'), `SSE heartbeat first, got ${JSON.stringify(sseText.slice(0, 40))}`);
  // Ollama clients parse every line, so the heartbeat is a valid chunk with empty content.
  const lines = ndText.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as { done: boolean; message?: { content: string } });
  assert.ok(lines.length >= 5, `heartbeats then 3 tokens then done, got ${lines.length} lines`);
  assert.equal(lines[0]!.done, false);
  assert.equal(lines[0]!.message?.content, '', 'first line is a heartbeat');
  holder.abort();
  await holder.done;
});
