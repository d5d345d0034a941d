import { intersect, UNKNOWN_INTERVAL, type Interval } from './interval.ts';

/**
 * Learns a token bucket's refill time (empty to full) when the server reports the time to full
 * (OpenAI, Anthropic: `semantics: 'refill'`) but not the window: a bucket short of `D` units is
 * full after `D / rate`, so one response bounds the window to `(timeToFull ± precision) * L / D`.
 * Every response's range holds the true window, so the ranges are intersected; a contradiction
 * means the server changed its policy, and the newest range starts over.
 */
export class RefillEstimator {
  #range: Interval = UNKNOWN_INTERVAL;

  /**
   * @param sentAt when the answered request was sent (the server counted it no earlier)
   * @param receivedAt when its response arrived (the server counted it no later)
   */
  observe(limit: number, remaining: number, resetAt: number, precisionMs: number, sentAt: number, receivedAt: number): void {
    const deficit = limit - remaining;
    if (deficit <= 0 || !Number.isFinite(resetAt)) return;
    // resetAt is either absolute (server time of full) or receivedAt + a delta computed at the
    // server: either way the time to full from the server's instant lies within these bounds.
    const shortest = Math.max(0, resetAt - receivedAt - precisionMs);
    const longest = Math.max(1, resetAt - sentAt + precisionMs);
    // remaining is a whole number of a fractional bucket (rounded either way): the true deficit
    // lies within one unit of it, which matters most when the bucket is nearly full.
    const high = deficit > 1 ? (longest * limit) / (deficit - 1) : Infinity;
    const range: Interval = { low: (shortest * limit) / (deficit + 1), high };
    this.#range = intersect(this.#range, range) ?? range;
  }

  /** The range the refill time lies in. */
  get range(): Interval {
    return this.#range;
  }

  reset(): void {
    this.#range = UNKNOWN_INTERVAL;
  }
}
