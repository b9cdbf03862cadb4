// Owns reading streamed text: splitting NDJSON into parsed values (one per non-empty line, any
// chunking) and feeding a fetch body to a parser as decoded text.
export function createNdjsonParser(onValue: (v: unknown) => void, onBadLine?: (line: string) => void) {
  let buf = '';
  const line = (l: string) => {
    const t = l.trim();
    if (!t) return;
    let v: unknown;
    try { v = JSON.parse(t); } catch { onBadLine?.(t); return; }
    onValue(v);
  };
  return {
    feed(text: string): void {
      buf += text;
      const parts = buf.split('\n');
      buf = parts.pop() ?? '';
      for (const p of parts) line(p);
    },
    end(): void { if (buf) line(buf); buf = ''; },
  };
}

/** Reads a fetch body as text chunks into `feed`, then calls `end`. */
export async function readText(body: ReadableStream<Uint8Array>, p: { feed(t: string): void; end(): void }): Promise<void> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      p.feed(dec.decode(value, { stream: true }));
    }
    p.feed(dec.decode());
    p.end();
  } finally {
    reader.releaseLock();
  }
}
