/** The server algorithms the kit simulates. */
export type Algorithm = 'fixed' | 'sliding' | 'bucket' | 'leaky';

/** One admission decision of a {@link Limiter}. */
export interface Decision {
  allowed: boolean;
  limit: number;
  /** Units left after this decision (whole units, never negative). */
  remaining: number;
  /**
   * When more quota comes back (ms epoch): fixed = window end; sliding log = when the oldest
   * counted entry expires; token and leaky bucket = when the bucket is full (empty) again.
   */
  resetAt: number;
  /** When the quota is fully restored if nothing else is admitted (ms epoch). */
  fullAt: number;
  /** On a rejection: how long until `cost` units can be admitted (`Infinity`: never). */
  retryAfterMs?: number;
}

/**
 * A pure, clock-injected rate limiter: every method takes `now` (ms); nothing reads a clock or
 * starts a timer, so the same limiter runs under fake timers, in a browser and in a node:http server.
 * Rejected requests are not counted.
 */
export interface Limiter {
  readonly algorithm: Algorithm;
  readonly windowMs: number;
  readonly limit: number;
  /** Admit `cost` units (default 1) at `now`, or refuse them. */
  admit(now: number, cost?: number): Decision;
  /** Change the limit from now on (a server lowering or raising its quota). */
  setLimit(limit: number): void;
}

/** The options every limiter takes. */
export interface LimiterOptions {
  /** Units per window (or the bucket's capacity). */
  limit: number;
  /** The window, or the time a bucket takes to refill from empty, ms. */
  windowMs: number;
}

export function checkLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`Expected \`limit\` to be an integer >= 0, got \`${limit}\``);
  }
}

export function checkWindow(windowMs: number): void {
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new RangeError(`Expected \`windowMs\` to be a number > 0, got \`${windowMs}\``);
  }
}
