import { checkLimit, checkWindow, type Decision, type Limiter, type LimiterOptions } from './types.ts';

/**
 * Fixed windows aligned to `origin + k * windowMs` (origin 0 = aligned to the epoch, as most APIs
 * do). Note that two full windows back to back allow `2 * limit` within one window's span.
 *
 * @example
 * ```ts
 * const limiter = new FixedWindow({ limit: 2, windowMs: 1000 });
 * limiter.admit(0).allowed; // true
 * ```
 */
export class FixedWindow implements Limiter {
  readonly algorithm = 'fixed' as const;
  readonly windowMs: number;
  readonly origin: number;
  #limit: number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;

  constructor(options: LimiterOptions & { origin?: number }) {
    checkLimit(options.limit);
    checkWindow(options.windowMs);
    this.#limit = options.limit;
    this.windowMs = options.windowMs;
    this.origin = options.origin ?? 0;
  }

  get limit(): number {
    return this.#limit;
  }

  setLimit(limit: number): void {
    checkLimit(limit);
    this.#limit = limit;
  }

  admit(now: number, cost = 1): Decision {
    const start = this.origin + Math.floor((now - this.origin) / this.windowMs) * this.windowMs;
    if (start !== this.#windowStart) {
      this.#windowStart = start;
      this.#used = 0;
    }
    const resetAt = start + this.windowMs;
    const allowed = this.#used + cost <= this.#limit;
    if (allowed) this.#used += cost;
    const decision: Decision = {
      allowed,
      limit: this.#limit,
      remaining: Math.max(0, this.#limit - this.#used),
      resetAt,
      fullAt: this.#used === 0 ? now : resetAt,
    };
    if (!allowed) decision.retryAfterMs = cost > this.#limit ? Number.POSITIVE_INFINITY : resetAt - now;
    return decision;
  }
}
