// Owns the ring of recent requests and the tokens-per-second history shown on the health page.
// Recording is on every request's path, so it stores plain numbers in a fixed ring; the wire shape
// (ISO times, newest first) is built only when the page asks.
import type { z } from 'zod';
import type { RecentRequestFields, RecentRequestWire } from '../contract/admin.js';

/** One finished request as recorded; `atMs` is its end time (epoch ms). */
export type RecentEntry = z.infer<typeof RecentRequestFields> & { atMs: number };

export class RecentRequests {
  private readonly ring: (RecentEntry | undefined)[];
  private next = 0;
  /** Tokens generated per 5-second bucket, for the last 10 minutes. */
  private buckets = new Map<number, number>();
  /** Keeps the last `capacity` requests. Defaults to 200. */
  constructor(private readonly capacity = 200) { this.ring = new Array<RecentEntry | undefined>(capacity); }

  add(r: RecentEntry): void {
    this.ring[this.next] = r;
    this.next = (this.next + 1) % this.capacity;
    const b = Math.floor(r.atMs / 5000);
    const had = this.buckets.get(b);
    this.buckets.set(b, (had ?? 0) + r.completionTokens);
    if (had === undefined) for (const k of this.buckets.keys()) if (k < b - 120) this.buckets.delete(k); // once per new bucket
  }

  /** Newest first, in the wire shape. */
  list(): RecentRequestWire[] {
    const out: RecentRequestWire[] = [];
    for (let i = 1; i <= this.capacity; i++) {
      const e = this.ring[(this.next - i + this.capacity) % this.capacity];
      if (!e) break;
      const { atMs, error, ...rest } = e;
      out.push({ at: new Date(atMs).toISOString(), ...rest, ...(error ? { error } : {}) });
    }
    return out;
  }

  /** [{t: epoch ms, tps}] for the last 10 minutes in 5 s steps. */
  throughput(): Array<{ t: number; tps: number }> {
    const now = Math.floor(Date.now() / 5000);
    const out: Array<{ t: number; tps: number }> = [];
    for (let b = now - 119; b <= now; b++) out.push({ t: b * 5000, tps: (this.buckets.get(b) ?? 0) / 5 });
    return out;
  }
}
