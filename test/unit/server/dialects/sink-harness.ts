// Test helper (not a test): runs a dialect's StreamSink inside a real express handler on 127.0.0.1
// and returns what a client receives (status, headers, body text).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Response } from 'express';
import type { StreamSink } from '../../../../server/inference/pipeline.js';

export interface Received { status: number; contentType: string | null; body: string }

/** Serves one request: `make` builds the sink on the real response, `drive` feeds it (open/write/fail/end). */
export async function runSink(make: (res: Response) => StreamSink, drive: (sink: StreamSink) => Promise<void>): Promise<Received> {
  const app = express();
  app.get('/', (_req, res) => {
    const sink = make(res);
    void drive(sink).catch((err: unknown) => { res.destroy(err as Error); });
  });
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(10_000) });
    return { status: r.status, contentType: r.headers.get('content-type'), body: await r.text() };
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Parses SSE text into frames (`event` null when absent; comments collected separately). */
export function parseSse(text: string): { frames: Array<{ event: string | null; data: string }>; comments: string[] } {
  const frames: Array<{ event: string | null; data: string }> = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    if (!block.trim()) continue;
    let event: string | null = null; const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (event !== null || data.length) frames.push({ event, data: data.join('\n') });
  }
  return { frames, comments };
}
