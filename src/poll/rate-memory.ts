/**
 * The allowed rate of each bucket as recently learned. A quota model paces by the safe upper bound
 * of a window it has to infer (an `X-RateLimit-*` server with whole-second resets never states it),
 * and that bound swings while the model learns: 1 s one moment, 4 s the next. Stretching pollers
 * by every swing would slow a dashboard for nothing (the quota's gate, not the stretch, keeps the
 * requests under the limit), so pollers go by the best rate seen for the same `limit` within
 * `memoryMs`. A new limit (the server changed its mind) starts a new memory at once.
 */
export class RateMemory {
  readonly #memoryMs: number;
  readonly #buckets = new Map<string, { limit: number | undefined; samples: { at: number; rate: number }[] }>();

  constructor(memoryMs = 15_000) {
    this.#memoryMs = memoryMs;
  }

  /** Record a view of a bucket: its limit and the rate it allows now. */
  observe(bucket: string, limit: number | undefined, rate: number | undefined, now: number): void {
    let entry = this.#buckets.get(bucket);
    if (entry === undefined || entry.limit !== limit) {
      entry = { limit, samples: [] };
      this.#buckets.set(bucket, entry);
    }
    if (rate !== undefined) entry.samples.push({ at: now, rate });
    while (entry.samples.length > 0 && (entry.samples[0]?.at ?? now) <= now - this.#memoryMs) entry.samples.shift();
  }

  /** The best rate seen for the bucket's current limit within the memory, or `undefined`. */
  best(bucket: string, now: number): number | undefined {
    const entry = this.#buckets.get(bucket);
    if (entry === undefined) return undefined;
    let best: number | undefined;
    for (const sample of entry.samples) if (sample.at > now - this.#memoryMs && (best === undefined || sample.rate > best)) best = sample.rate;
    return best;
  }
}
