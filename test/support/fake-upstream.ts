// Owns a scripted upstream for adapter tests: a real node:http server on 127.0.0.1 that records each
// JSON request body and answers with whatever `answer` returns, plus an UpstreamHttpClient to reach it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpstreamHttpClient } from '../../server/upstreams/http-client.js';

export interface Scripted { contentType: string; body: string }

/** Runs `fn` with the server's base URL, a client and the request bodies seen so far; closes both after. */
export async function withFakeUpstream(answer: (body: Record<string, unknown>) => Scripted, fn: (url: string, client: UpstreamHttpClient, seen: Array<Record<string, unknown>>) => Promise<void>): Promise<void> {
  const seen: Array<Record<string, unknown>> = [];
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c; });
    req.on('end', () => {
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      seen.push(body);
      const a = answer(body);
      res.writeHead(200, { 'content-type': a.contentType });
      res.end(a.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const client = new UpstreamHttpClient({ connectMs: 2000, firstByteMs: 2000, idleMs: 2000 });
  try {
    await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, client, seen);
  } finally {
    client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}
