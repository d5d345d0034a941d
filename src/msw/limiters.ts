/**
 * Pure, clock-injected rate limiters: the server side of every test and benchmark of ky-quota.
 * Every method takes `now` (ms); nothing here reads a clock or starts a timer.
 */
import { FixedWindow } from './limiters/fixed-window.ts';
import { LeakyBucket } from './limiters/leaky-bucket.ts';
import { SlidingLog } from './limiters/sliding-log.ts';
import { TokenBucket } from './limiters/token-bucket.ts';
import type { Algorithm, Limiter, LimiterOptions } from './limiters/types.ts';

export { FixedWindow, LeakyBucket, SlidingLog, TokenBucket };
export type { Algorithm, Decision, Limiter, LimiterOptions } from './limiters/types.ts';

/** Every algorithm {@link createLimiter} knows. */
export const algorithmNames = ['fixed', 'sliding', 'bucket', 'leaky'] as const satisfies readonly Algorithm[];

/**
 * A limiter by name.
 *
 * @example
 * ```ts
 * const limiter = createLimiter({ algorithm: 'sliding', limit: 100, windowMs: 60_000 });
 * limiter.admit(Date.now()).allowed;
 * ```
 */
export function createLimiter(options: LimiterOptions & { algorithm: Algorithm }): Limiter {
  switch (options.algorithm) {
    case 'fixed':
      return new FixedWindow(options);
    case 'sliding':
      return new SlidingLog(options);
    case 'bucket':
      return new TokenBucket(options);
    case 'leaky':
      return new LeakyBucket(options);
    default:
      throw new TypeError(`Unknown algorithm \`${String(options.algorithm)}\``);
  }
}
