import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { clientErrorResponse, handleClientError } from '../../../../server/http/client-error.js';

test('the raw response: status line by parser error, OpenAI-style JSON body, exact length, connection close', () => {
  for (const [code, status] of [['HPE_INVALID_HEADER_TOKEN', 400], ['HPE_HEADER_OVERFLOW', 431], ['ERR_HTTP_REQUEST_TIMEOUT', 408], [undefined, 400]] as const) {
    const raw = clientErrorResponse({ code });
    const [head, body] = raw.split('\r\n\r\n') as [string, string];
    assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `));
    assert.match(head, /\r\nConnection: close(\r\n|$)/);
    assert.match(head, new RegExp(`Content-Length: ${Buffer.byteLength(body)}(\\r\\n|$)`));
    const j = JSON.parse(body) as { error: { message: string; type: string; code: string } };
    assert.equal(typeof j.error.message, 'string');
    assert.ok(j.error.type.length > 0 && j.error.code.length > 0);
  }
});

test('on a real http.Server: a CR inside a header value gets the JSON 400 and a closed socket, and the token is not echoed', async () => {
  const server = http.createServer((_req, res) => res.end('ok'));
  server.on('clientError', handleClientError);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as AddressInfo).port;
    const raw = await new Promise<string>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer secret-token\rX\r\n\r\n'));
      let out = '';
      s.on('data', (d) => { out += d; });
      s.on('close', () => resolve(out));
      s.on('error', reject);
      setTimeout(() => { s.destroy(); reject(new Error('socket not closed')); }, 5000).unref();
    });
    assert.match(raw, /^HTTP\/1\.1 400 Bad Request\r\n/);
    assert.equal((JSON.parse(raw.split('\r\n\r\n')[1]!) as { error: { code: string } }).error.code, 'bad_request');
    assert.ok(!raw.includes('secret-token'));
  } finally { server.close(); }
});
