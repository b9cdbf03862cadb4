// Owns the byte-level framing of streamed responses (SSE and NDJSON) on top of the backpressure
// guard, so each dialect only decides what its events say.
import type { HttpResponse } from '../http/node-http.js';
import { writeWithBackpressure } from '../scheduler/stream-guard.js';

export interface FrameWriter {
  /** Sends status 200 and the stream headers (once). */
  open(): void;
  /** Writes one frame; resolves when the client can take more, rejects if it stalls. */
  send(data: unknown, event?: string): Promise<void>;
  /** Writes raw text (e.g. `data: [DONE]`). */
  raw(text: string): Promise<void>;
  heartbeat(): void;
  end(): void;
}

/** Status 200 and the headers every stream sends (no caching, no proxy buffering), flushed at once. */
function openStream(res: HttpResponse, contentType: string): void {
  res.statusCode = 200;
  res.setHeader('content-type', contentType);
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('x-accel-buffering', 'no');
  res.flushHeaders();
}

export function sseWriter(res: HttpResponse, stallMs: number): FrameWriter {
  return {
    open: () => openStream(res, 'text/event-stream; charset=utf-8'),
    send(data, event) {
      const frame = (event ? `event: ${event}\n` : '') + `data: ${JSON.stringify(data)}\n\n`;
      return writeWithBackpressure(res, frame, { stallMs });
    },
    raw(text) { return writeWithBackpressure(res, text, { stallMs }); },
    heartbeat() { if (!res.writableNeedDrain && !res.destroyed) res.write(': keep-alive\n\n'); },
    end() { if (!res.writableEnded) res.end(); },
  };
}

/** NDJSON frames; `heartbeatFrame` is the line a heartbeat sends (clients parse every line, so it must be valid JSON). */
export function ndjsonWriter(res: HttpResponse, stallMs: number, heartbeatFrame: () => unknown): FrameWriter {
  return {
    open: () => openStream(res, 'application/x-ndjson'),
    send(data) { return writeWithBackpressure(res, JSON.stringify(data) + '\n', { stallMs }); },
    raw(text) { return writeWithBackpressure(res, text, { stallMs }); },
    heartbeat() { if (!res.writableNeedDrain && !res.destroyed && !res.writableEnded) res.write(JSON.stringify(heartbeatFrame()) + '\n'); },
    end() { if (!res.writableEnded) res.end(); },
  };
}
