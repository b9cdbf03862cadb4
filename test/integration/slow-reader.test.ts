// A client that stops reading (issue 3, acceptance 5): the server honours backpressure, keeps its
// memory bounded, and aborts the stream at the write-stall timeout, freeing the slot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startHearth, waitReady } from '../support/server.js';
import { waitPool } from '../support/stream.js';

// The "wide" test model emits 4 KB per token, so the socket buffers fill within a few hundred tokens.
test('slow reader: the stream is aborted at the stall timeout and the slot is freed', async () => {
  await using h = await startHearth({ modelSize: 'wide', args: ['--model', 'tiny', '--context-size', '4096', '--max-concurrency', '1', '--write-stall-ms', '400'] });
  await waitReady(h.url);
  const body = JSON.stringify({ model: 'tiny', stream: true, max_tokens: 4000, temperature: 0, messages: [{ role: 'user', content: 'x' }] });
  const sock = net.connect(h.port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  sock.pause(); // never read: the kernel buffers fill, then the server's writes stall
  let closedByServer = false;
  sock.on('close', () => { closedByServer = true; });
  sock.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${h.port}\r\nAuthorization: Bearer ${h.adminToken}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  const busy = await waitPool(h.url, h.adminToken, (p) => p.slotsUsed === 1);
  assert.equal(busy.slotsUsed, 1);
  const freed = await waitPool(h.url, h.adminToken, (p) => p.slotsUsed === 0);
  assert.equal(freed.slotsUsed, 0, 'the slot is freed while the client still holds the connection unread');
  const st = (await (await fetch(`${h.url}/admin/status`, { headers: { authorization: `Bearer ${h.adminToken}` } })).json()) as { recent: Array<{ completionTokens: number }> };
  assert.ok(st.recent[0]!.completionTokens < 4000, `generation stopped early (${st.recent[0]!.completionTokens} tokens)`);
  sock.resume();
  await new Promise<void>((r) => { if (closedByServer) r(); else sock.once('close', () => r()); setTimeout(r, 5000).unref(); });
  assert.ok(closedByServer, 'the server closed the connection');
  sock.destroy();
});
