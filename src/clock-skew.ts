/** Responses per origin whose skew is remembered: enough sub-second phases to pin it. */
const SAMPLES = 64;
/** Samples needed before the learned skew replaces each response's own `Date`. */
const MIN_SAMPLES = 16;

/**
 * Learns, per origin, the caller's clock minus the server's from the `Date` headers of many
 * responses. One `Date` has whole seconds, rounded down, so `now - Date` overstates the skew by up
 * to a second; its smallest value over many responses (whose sub-second phases differ) converges
 * on the true skew from above. Converting epoch resets with it is therefore never early, and no
 * longer up to a second late. Used for `parseRateLimitHeaders`' `clockSkewMs`.
 */
export class ClockSkew {
  readonly #byOrigin = new Map<string, { samples: number[]; next: number }>();

  /** Record one response's `Date` header (ignored when absent or unparseable). */
  observe(origin: string, now: number, date: string | null): void {
    if (date === null) return;
    const serverDate = Date.parse(date);
    if (!Number.isFinite(serverDate)) return;
    let entry = this.#byOrigin.get(origin);
    if (entry === undefined) {
      if (this.#byOrigin.size >= 256) this.#byOrigin.clear();
      entry = { samples: [], next: 0 };
      this.#byOrigin.set(origin, entry);
    }
    const skew = now - serverDate;
    if (entry.samples.length < SAMPLES) entry.samples.push(skew);
    else entry.samples[entry.next] = skew;
    entry.next = (entry.next + 1) % SAMPLES;
  }

  /** The learned skew for an origin, ms, once enough responses were seen; else `undefined`. */
  estimate(origin: string): number | undefined {
    const entry = this.#byOrigin.get(origin);
    if (entry === undefined || entry.samples.length < MIN_SAMPLES) return undefined;
    let smallest = Number.POSITIVE_INFINITY;
    for (const sample of entry.samples) if (sample < smallest) smallest = sample;
    return smallest;
  }
}

/** The origin of a URL string without building a URL object (hot path: once per response). */
export function originOf(url: string): string {
  const start = url.indexOf('//');
  if (start === -1) return url;
  const end = url.indexOf('/', start + 2);
  return end === -1 ? url : url.slice(0, end);
}
