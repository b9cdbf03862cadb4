// Owns the ring of recent requests and the tokens-per-second history shown on the health page.
export interface RecentRequest { at: string; model: string; status: number; latencyMs: number; keyName: string; promptTokens: number; completionTokens: number; error?: string }

export class RecentRequests {
  private items: RecentRequest[] = [];
  /** Tokens generated per 5-second bucket, for the last 10 minutes. */
  private buckets = new Map<number, number>();
  constructor(private readonly capacity = 200) {}

  add(r: RecentRequest): void {
    this.items.push(r);
    if (this.items.length > this.capacity) this.items.shift();
    const b = Math.floor(Date.now() / 5000);
    const had = this.buckets.get(b);
    this.buckets.set(b, (had ?? 0) + r.completionTokens);
    if (had === undefined) for (const k of this.buckets.keys()) if (k < b - 120) this.buckets.delete(k); // once per new bucket
  }

  list(): RecentRequest[] { return [...this.items].reverse(); }

  /** [{t: epoch ms, tps}] for the last 10 minutes in 5 s steps. */
  throughput(): Array<{ t: number; tps: number }> {
    const now = Math.floor(Date.now() / 5000);
    const out: Array<{ t: number; tps: number }> = [];
    for (let b = now - 119; b <= now; b++) out.push({ t: b * 5000, tps: (this.buckets.get(b) ?? 0) / 5 });
    return out;
  }
}
