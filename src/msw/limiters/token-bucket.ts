import { checkLimit, checkWindow, type Decision, type Limiter, type LimiterOptions } from './types.ts';

/**
 * Capacity = limit, refilled continuously at `limit` per `windowMs`; starts full (OpenAI,
 * Anthropic and most API gateways).
 *
 * @example
 * ```ts
 * const limiter = new TokenBucket({ limit: 10, windowMs: 1000 }); // 10 at once, then one per 100 ms
 * ```
 */
export class TokenBucket implements Limiter {
  readonly algorithm = 'bucket' as const;
  readonly windowMs: number;
  #limit: number;
  #tokens: number;
  #updatedAt: number | undefined;

  constructor(options: LimiterOptions) {
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
