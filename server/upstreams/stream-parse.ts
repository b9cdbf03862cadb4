// Owns the framing of upstream response streams: Server-Sent Events (via eventsource-parser) and
// NDJSON, from text chunks to parsed JSON payloads, with malformed input as a HearthError.
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { hearthError, type HearthError } from '../errors/catalog.js';

export function malformed(upstream: string): HearthError {
  return hearthError('ERR_UPSTREAM', `The upstream ${upstream} sent a malformed stream.`);
}

/** Parses JSON from an upstream event; throws ERR_UPSTREAM (never echoing the text) when it is not. */
export function parseEventJson(upstream: string, data: string): Record<string, unknown> {
  let v: unknown;
  try { v = JSON.parse(data); } catch { throw malformed(upstream); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw malformed(upstream);
  return v as Record<string, unknown>;
}

/** SSE events from text chunks, yielded as soon as each is complete. Unknown fields are ignored (as the spec says). */
export async function* sseEvents(upstream: string, chunks: AsyncIterable<string>): AsyncGenerator<EventSourceMessage, void, undefined> {
  let pending: EventSourceMessage[] = [];
  let broken = false;
  const parser = createParser({
    onEvent: (e) => { pending.push(e); },
    onError: (e) => { if (e.type !== 'unknown-field') broken = true; },
  });
  for await (const chunk of chunks) {
    parser.feed(chunk);
    if (broken) throw malformed(upstream);
    if (pending.length) {
      const out = pending;
      pending = [];
      for (const e of out) yield e;
    }
  }
  parser.reset({ consume: true });
  if (broken) throw malformed(upstream);
  for (const e of pending) yield e;
}

/** One parsed JSON object per NDJSON line, yielded as each line completes. */
export async function* ndjsonObjects(upstream: string, chunks: AsyncIterable<string>): AsyncGenerator<Record<string, unknown>, void, undefined> {
  let buf = '';
  for await (const chunk of chunks) {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line) yield parseEventJson(upstream, line);
    }
    if (buf.length > 16 * 1024 * 1024) throw malformed(upstream);
  }
  const last = buf.trim();
  if (last) yield parseEventJson(upstream, last);
}
