import { checkLimit, checkWindow, type Decision, type Limiter, type LimiterOptions } from './types.ts';

/**
 * A leaky bucket as a meter (GCRA, as Shopify's REST API and redis-cell count): each admitted unit
 * pours into a bucket of `limit` units that drains at `limit` per `windowMs`; a request that
 * would overflow it is refused. It starts empty. Admission matches a token bucket's; the state is
 * kept as a theoretical arrival time, so there is no float dust to tolerate.
 *
 * @example
 * ```ts
 * const shopify = new LeakyBucket({ limit: 40, windowMs: 20_000 }); // 40 deep, leaks 2 per second
 * ```
 */
export class LeakyBucket implements Limiter {
  readonly algorithm = 'leaky' as const;
  readonly windowMs: number;
  #limit: number;
  /** When the bucket is empty again if nothing else pours in, ms (the GCRA's TAT). */
  #emptyAt = Number.NEGATIVE_INFINITY;
  #lastNow = Number.NEGATIVE_INFINITY;

  constructor(options: LimiterOptions) {
    checkLimit(options.limit);
    checkWindow(options.windowMs);
    this.#limit = options.limit;
    this.windowMs = options.windowMs;
  }

  get limit(): number {
    return this.#limit;
  }

  /** Ms one unit takes to drain. */
  get #interval(): number {
    return this.#limit === 0 ? Number.POSITIVE_INFINITY : this.windowMs / this.#limit;
  }

  /** Units in the bucket at `now`. */
  #level(now: number): number {
    if (this.#emptyAt <= now) return 0;
    return (this.#emptyAt - now) / this.#interval;
  }

  setLimit(limit: number): void {
    checkLimit(limit);
    // Keep the level in units (capped at the new depth) and drain it at the new rate.
    const now = this.#lastNow;
    const level = Number.isFinite(now) ? Math.min(this.#level(now), limit) : 0;
    this.#limit = limit;
    this.#emptyAt = level === 0 || limit === 0 ? now : now + level * this.#interval;
  }

  admit(now: number, cost = 1): Decision {
    if (now > this.#lastNow) this.#lastNow = now;
    const level = this.#level(now);
    const allowed = this.#limit > 0 && level + cost <= this.#limit + 1e-9;
    if (allowed) this.#emptyAt = Math.max(this.#emptyAt, now) + cost * this.#interval;
    const after = allowed ? this.#level(now) : level;
    const fullAt = after <= 0 ? now : Math.ceil(this.#emptyAt);
    const decision: Decision = {
      allowed,
      limit: this.#limit,
      remaining: Math.max(0, Math.floor(this.#limit - after + 1e-9)),
      resetAt: fullAt,
      fullAt,
    };
    if (!allowed) {
      decision.retryAfterMs =
        cost > this.#limit ? Number.POSITIVE_INFINITY : Math.ceil((level + cost - this.#limit) * this.#interval);
    }
    return decision;
  }
}
