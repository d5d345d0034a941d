/**
 * Pure, clock-injected rate limiters for the reference server and the msw handler.
 * Every method takes `now` (ms); nothing here reads a clock or starts a timer.
 * Rejected requests are not counted.
 */

export type Algorithm = 'fixed' | 'sliding' | 'bucket';

export interface Decision {
  allowed: boolean;
  limit: number;
  /** Units left after this decision (whole units, never negative). */
  remaining: number;
  /**
   * When more quota comes back (ms epoch): fixed = window end; sliding log = when the oldest
   * counted entry expires; token bucket = when the bucket is full again.
   */
  resetAt: number;
  /** When the quota is fully restored if nothing else is admitted (ms epoch). */
  fullAt: number;
  /** On a rejection: how long until `cost` units can be admitted. */
  retryAfterMs?: number;
}

export interface Limiter {
  readonly algorithm: Algorithm;
  readonly windowMs: number;
  readonly limit: number;
  admit(now: number, cost?: number): Decision;
  setLimit(limit: number): void;
}

function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`Expected \`limit\` to be an integer >= 0, got \`${limit}\``);
  }
}

function checkWindow(windowMs: number): void {
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new RangeError(`Expected \`windowMs\` to be a number > 0, got \`${windowMs}\``);
  }
}

/** Fixed windows aligned to `origin + k * windowMs` (origin 0 = aligned to the epoch, as most APIs do). */
export class FixedWindow implements Limiter {
  readonly algorithm = 'fixed' as const;
  readonly windowMs: number;
  readonly origin: number;
  #limit: number;
  #windowStart = Number.NEGATIVE_INFINITY;
  #used = 0;

  constructor(options: { limit: number; windowMs: number; origin?: number }) {
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

/** A log of admitted requests; a request counts for exactly `windowMs` after it was admitted. */
export class SlidingLog implements Limiter {
  readonly algorithm = 'sliding' as const;
  readonly windowMs: number;
  #limit: number;
  /** Admitted entries, oldest first: [time, cost]. */
  #log: Array<[number, number]> = [];
  #head = 0;
  #used = 0;

  constructor(options: { limit: number; windowMs: number }) {
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

/** Capacity = limit, refilled continuously at limit per window; starts full. */
export class TokenBucket implements Limiter {
  readonly algorithm = 'bucket' as const;
  readonly windowMs: number;
  #limit: number;
  #tokens: number;
  #updatedAt: number | undefined;

  constructor(options: { limit: number; windowMs: number }) {
    checkLimit(options.limit);
    checkWindow(options.windowMs);
    this.#limit = options.limit;
    this.#tokens = options.limit;
    this.windowMs = options.windowMs;
  }

  get limit(): number {
    return this.#limit;
  }

  get #ratePerMs(): number {
    return this.#limit / this.windowMs;
  }

  setLimit(limit: number): void {
    checkLimit(limit);
    this.#limit = limit;
    this.#tokens = Math.min(this.#tokens, limit);
  }

  #refill(now: number): void {
    if (this.#updatedAt !== undefined && now > this.#updatedAt) {
      this.#tokens = Math.min(this.#limit, this.#tokens + (now - this.#updatedAt) * this.#ratePerMs);
    }
    if (this.#updatedAt === undefined || now > this.#updatedAt) this.#updatedAt = now;
  }

  admit(now: number, cost = 1): Decision {
    this.#refill(now);
    // Tolerate float dust: 0.9999999 tokens after an exact refill period is a whole token.
    const allowed = this.#tokens + 1e-9 >= cost;
    if (allowed) this.#tokens = Math.max(0, this.#tokens - cost);
    const rate = this.#ratePerMs;
    const missing = this.#limit - this.#tokens;
    const fullAt = rate > 0 ? now + Math.ceil(missing / rate) : Number.POSITIVE_INFINITY;
    const decision: Decision = {
      allowed,
      limit: this.#limit,
      remaining: Math.max(0, Math.floor(this.#tokens + 1e-9)),
      resetAt: fullAt,
      fullAt,
    };
    if (!allowed) {
      decision.retryAfterMs =
        cost > this.#limit || rate === 0 ? Number.POSITIVE_INFINITY : Math.ceil((cost - this.#tokens) / rate);
    }
    return decision;
  }
}

export function createLimiter(options: { algorithm: Algorithm; limit: number; windowMs: number }): Limiter {
  switch (options.algorithm) {
    case 'fixed':
      return new FixedWindow(options);
    case 'sliding':
      return new SlidingLog(options);
    case 'bucket':
      return new TokenBucket(options);
    default:
      throw new TypeError(`Unknown algorithm \`${String(options.algorithm)}\``);
  }
}
