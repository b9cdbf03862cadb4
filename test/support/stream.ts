// Owns small test helpers for streamed chat requests: start one, read its SSE chunks with arrival
// times, and poll the admin status.
export interface StreamRun {
  status: number;
  headers: Headers;
  /** performance.now() of each content chunk. */
  times: number[];
  text: string;
  done: Promise<void>;
  abort(): void;
  /** Resolves once `n` content chunks have arrived (or the stream ended). */
  chunks(n: number): Promise<void>;
}

export async function startStream(url: string, token: string, body: Record<string, unknown>): Promise<StreamRun> {
  const ac = new AbortController();
  const r = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST', signal: ac.signal,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'tiny', stream: true, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
  const run: StreamRun = { status: r.status, headers: r.headers, times: [], text: '', done: Promise.resolve(), abort: () => ac.abort(), chunks: async () => undefined };
  if (r.status !== 200 || !r.body) { await r.body?.cancel(); return run; }
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  const wake = (ended: boolean) => { for (const w of [...waiters]) if (ended || run.times.length >= w.n) { waiters.splice(waiters.indexOf(w), 1); w.resolve(); } };
  run.chunks = (n) => new Promise<void>((resolve) => { waiters.push({ n, resolve }); wake(false); });
  run.done = (async () => {
    const dec = new TextDecoder();
    let buf = '';
    try {
      for await (const part of r.body as unknown as AsyncIterable<Uint8Array>) {
        buf += dec.decode(part, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i); buf = buf.slice(i + 2);
          if (!frame.startsWith('data: ') || frame === 'data: [DONE]') continue;
          const j = JSON.parse(frame.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> };
          const c = j.choices?.[0]?.delta?.content;
          if (c) { run.times.push(performance.now()); run.text += c; wake(false); }
        }
      }
    } catch { /* aborted */ } finally { wake(true); }
  })();
  return run;
}

export interface PoolView { slotsUsed: number; slotsTotal: number; queueDepth: number; estimatedWaitMs: number }

export async function poolStatus(url: string, token: string, pool = 'local:tiny'): Promise<PoolView> {
  const r = await fetch(`${url}/admin/status`, { headers: { authorization: `Bearer ${token}` } });
  const j = (await r.json()) as { models: Record<string, PoolView> };
  return j.models[pool] ?? { slotsUsed: 0, slotsTotal: 0, queueDepth: 0, estimatedWaitMs: 0 };
}

/** Polls until `pred` holds (bounded: 300 tries, 20 ms apart); returns the last view. */
export async function waitPool(url: string, token: string, pred: (p: PoolView) => boolean, pool = 'local:tiny'): Promise<PoolView> {
  let p = await poolStatus(url, token, pool);
  for (let i = 0; i < 300 && !pred(p); i++) { await new Promise((r) => setTimeout(r, 20)); p = await poolStatus(url, token, pool); }
  return p;
}
