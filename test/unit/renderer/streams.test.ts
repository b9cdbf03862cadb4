// Tests the stream framing used by the UI: SSE parsing (chat completions) and NDJSON (model pulls),
// with arbitrary chunk boundaries, comments, CRLF and a last event without its blank line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSseParser, type SseEvent } from '../../../renderer/src/sse.js';
import { createNdjsonParser, readText } from '../../../renderer/src/ndjson.js';

const STREAM = ': keep-alive\n\ndata: {"a":1}\n\nevent: ping\ndata: x\ndata: y\n\r\ndata: [DONE]\r\n\r\n';

test('SSE events survive any chunking', () => {
  const expected: SseEvent[] = [{ event: 'message', data: '{"a":1}' }, { event: 'ping', data: 'x\ny' }, { event: 'message', data: '[DONE]' }];
  for (let size = 1; size <= STREAM.length; size++) {
    const got: SseEvent[] = [];
    const p = createSseParser((e) => got.push(e));
    for (let i = 0; i < STREAM.length; i += size) p.feed(STREAM.slice(i, i + size));
    p.end();
    assert.deepEqual(got, expected, `chunk size ${size}`);
  }
});

test('SSE: a final event without a blank line is delivered at end', () => {
  const got: SseEvent[] = [];
  const p = createSseParser((e) => got.push(e));
  p.feed('data: last');
  assert.equal(got.length, 0);
  p.end();
  assert.deepEqual(got, [{ event: 'message', data: 'last' }]);
});

test('NDJSON lines parse across chunks; bad lines are reported, not thrown', async () => {
  const text = '{"type":"started","id":"1"}\n{"type":"progress","bytes":5}\nnot json\n\n{"type":"done"}';
  const values: unknown[] = [];
  const bad: string[] = [];
  const enc = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(c) { for (let i = 0; i < enc.length; i += 7) c.enqueue(enc.slice(i, i + 7)); c.close(); },
  });
  await readText(body, createNdjsonParser((v) => values.push(v), (l) => bad.push(l)));
  assert.deepEqual(values, [{ type: 'started', id: '1' }, { type: 'progress', bytes: 5 }, { type: 'done' }]);
  assert.deepEqual(bad, ['not json']);
});

test('readText decodes multi-byte characters split across chunks', async () => {
  const enc = new TextEncoder().encode('data: héllo ✓\n\n');
  const body = new ReadableStream<Uint8Array>({ start(c) { for (const b of enc) c.enqueue(new Uint8Array([b])); c.close(); } });
  const got: SseEvent[] = [];
  await readText(body, createSseParser((e) => got.push(e)));
  assert.deepEqual(got, [{ event: 'message', data: 'héllo ✓' }]);
});
