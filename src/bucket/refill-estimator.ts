import { intersect, UNKNOWN_INTERVAL, type Interval } from './interval.ts';

/**
 * Learns how long a bucket takes to refill from empty when the server reports the time until it
 * is full (OpenAI, Anthropic: `semantics: 'refill'`) but not the window, and whether the server
 * really is a bucket.
 *
 * One response short of `D` units with a time to full `T` bounds the refill time from above by
 * `T * L / D`: exact for a token bucket (it refills `D` units in `T`), an over-estimate for a
 * sliding log that reports the time until its newest entry expires (about one window whatever
 * `D` is). The smallest such bound is sound for both kinds, so it is the window to pace by.
 *
 * A true bucket's responses also agree on a lower bound (`T * L / D` from below); a sliding log's
 * do not (few units held, yet a whole window to full). While every response's range still
 * intersects, the server behaves like a bucket and credit may trickle back; once they contradict,
 * it does not, and only the mirror of our own sends is safe. A 429 starts everything over.
 */
/** Times to full at least this precise (ms) count as evidence for or against a bucket. */
const FINE_PRECISION_MS = 100;

export class RefillEstimator {
  #high = Number.POSITIVE_INFINITY;
  #agreed: Interval = UNKNOWN_INTERVAL;
  #observations = 0;
  #contradicted = false;
  #fewestHeld = Number.POSITIVE_INFINITY;
  #mostHeld = 0;

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
    const high = deficit > 1 ? (longest * limit) / (deficit - 1) : Number.POSITIVE_INFINITY;
    if (high < this.#high) this.#high = high;
    // Only a fine-grained time to full can contradict a bucket: a whole-second one ("1s") leaves
    // every range open at the bottom, so a sliding log would pass for a bucket.
    if (precisionMs > FINE_PRECISION_MS) return;
    const range: Interval = { low: (shortest * limit) / (deficit + 1), high };
    const agreed = intersect(this.#agreed, range);
    if (agreed === undefined) this.#contradicted = true;
    else this.#agreed = agreed;
    this.#observations++;
    this.#fewestHeld = Math.min(this.#fewestHeld, deficit);
    this.#mostHeld = Math.max(this.#mostHeld, deficit);
  }

  /** The range the refill time lies in: the sound upper bound (the lower one holds only for buckets). */
  get range(): Interval {
    return Number.isFinite(this.#high) ? { low: 0, high: this.#high } : UNKNOWN_INTERVAL;
  }

  /**
   * True while the responses agree with a token bucket: no contradiction among three or more,
   * held amounts at least a factor of two apart (responses that all hold about as much cannot
   * tell a bucket from a sliding log), counting the unit a fractional bucket's `remaining` may be
   * off by: held 1 and 3 of a limit of 4 may both be 2, and a sliding log of 4 passed for a bucket.
   */
  get looksLikeBucket(): boolean {
    return !this.#contradicted && this.#observations >= 3 && this.#mostHeld - 1 >= 2 * (this.#fewestHeld + 1);
  }

  reset(): void {
    this.#high = Number.POSITIVE_INFINITY;
    this.#agreed = UNKNOWN_INTERVAL;
    this.#observations = 0;
    this.#contradicted = false;
    this.#fewestHeld = Number.POSITIVE_INFINITY;
    this.#mostHeld = 0;
  }
}
