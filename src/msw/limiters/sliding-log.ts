import { checkLimit, checkWindow, type Decision, type Limiter, type LimiterOptions } from './types.ts';

/**
 * A log of admitted requests; a request counts for exactly `windowMs` after it was admitted, so
 * no span of one window ever holds more than `limit` units (the strictest common server).
 *
 * @example
 * ```ts
 * const limiter = new SlidingLog({ limit: 1, windowMs: 1000 });
 * limiter.admit(0).allowed; // true
 * limiter.admit(999).allowed; // false
 * limiter.admit(1000).allowed; // true
 * ```
 */
export class SlidingLog implements Limiter {
  readonly algorithm = 'sliding' as const;
  readonly windowMs: number;
  #limit: number;
  /** Admitted entries, oldest first: [time, cost]. */
  #log: Array<[number, number]> = [];
  #head = 0;
  #used = 0;

  constructor(options: LimiterOptions) {
    checkLimit(options.limit);
    checkWindow(options.windowMs);
    this.#limit = options.limit;
    this.windowMs = options.windowMs;
  }

  get limit(): number {
    return this.#limit;
  }

  setLimit(limit: number): void {
    checkLimit(limit);
    this.#limit = limit;
  }

  #evict(now: number): void {
    while (this.#head < this.#log.length) {
      const entry = this.#log[this.#head];
      if (entry === undefined || entry[0] + this.windowMs > now) break;
      this.#used -= entry[1];
      this.#head += 1;
    }
    // Compact now and then so a day-long soak does not keep every entry it ever admitted.
    if (this.#head > 1024 && this.#head * 2 > this.#log.length) {
      this.#log = this.#log.slice(this.#head);
      this.#head = 0;
    }
  }

  admit(now: number, cost = 1): Decision {
    this.#evict(now);
    const allowed = this.#used + cost <= this.#limit;
    if (allowed) {
      this.#log.push([now, cost]);
      this.#used += cost;
    }
    const oldest = this.#log[this.#head];
    const newest = this.#log[this.#log.length - 1];
    const decision: Decision = {
      allowed,
      limit: this.#limit,
      remaining: Math.max(0, this.#limit - this.#used),
      resetAt: oldest === undefined ? now : oldest[0] + this.windowMs,
      fullAt: newest === undefined || this.#used === 0 ? now : newest[0] + this.windowMs,
    };
    if (!allowed) decision.retryAfterMs = this.#retryAfter(now, cost);
    return decision;
  }

  /** Time until enough of the oldest entries expire for `cost` more units to fit. */
  #retryAfter(now: number, cost: number): number {
    if (cost > this.#limit) return Number.POSITIVE_INFINITY;
    let excess = this.#used + cost - this.#limit;
    for (let index = this.#head; index < this.#log.length; index += 1) {
      const entry = this.#log[index];
      if (entry === undefined) break;
      excess -= entry[1];
      if (excess <= 0) return entry[0] + this.windowMs - now;
    }
    return this.windowMs;
  }
}
