/**
 * Pure header emitters: a limiter decision + now -> the response headers a real API of that
 * dialect sends (see /work/shared/header-dialects.md §1, §2.1, §2.2, §3.1, §3.14).
 * Every response carries `Date`; every 429 carries `Retry-After` (integer seconds, >= 1), except
 * in the `'silent'` dialect, which says nothing at all (GitHub's secondary limits, Stripe).
 */
import type { Decision } from './limiters/types.ts';
import { formatGoDuration } from './go-duration.ts';

/** Every dialect {@link emitHeaders} speaks. */
export const dialectNames = [
  'x-ratelimit-epoch',
  'x-ratelimit-delta',
  'github',
  'openai',
  'ietf',
  'ietf-06',
  'retry-after',
  'none',
  'silent',
] as const;

/**
 * How a simulated server reports its quota.
 * - `'x-ratelimit-epoch'` / `'x-ratelimit-delta'`: `X-RateLimit-Limit/-Remaining/-Reset`, reset in epoch or delta seconds.
 * - `'github'`: lower-case `x-ratelimit-*` with `used` and `resource`.
 * - `'openai'`: `x-ratelimit-*-requests`, reset as a Go duration (`6m0s`).
 * - `'ietf'`: draft-08+ `RateLimit-Policy` + `RateLimit` (`w=` when the window is whole seconds).
 * - `'ietf-06'`: `RateLimit-Limit/-Remaining/-Reset` (drafts up to -06).
 * - `'retry-after'` and `'none'`: no quota headers; `Retry-After` on a 429 only.
 * - `'silent'`: nothing, not even `Retry-After`.
 */
export type Dialect = (typeof dialectNames)[number];

/** What the emitters need besides the decision. */
export interface EmitOptions {
  /** The limiter's window, for IETF `w=` (omitted unless a whole number of seconds). */
  windowMs: number;
  /** IETF policy name. @default 'default' */
  policyName?: string;
  /** GitHub's `x-ratelimit-resource`. @default 'core' */
  resource?: string;
}

/** Response headers in order, duplicates allowed. */
export type HeaderList = Array<[name: string, value: string]>;

const ceilSeconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

/** Integer seconds, rounded up, at least 1 (a `Retry-After: 0` makes clients retry at once). */
export function retryAfterSeconds(retryAfterMs: number | undefined): number {
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return 3600;
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/** Whether `value` names a dialect (for CLI flags and query strings). */
export function isDialect(value: string): value is Dialect {
  return (dialectNames as readonly string[]).includes(value);
}

/**
 * The headers a server of `dialect` sends with `decision` at `now`.
 *
 * @example
 * ```ts
 * emitHeaders('ietf', { allowed: true, limit: 10, remaining: 9, resetAt: now + 1000, fullAt: now + 1000 }, now, { windowMs: 1000 });
 * // [['Date', ...], ['RateLimit-Policy', '"default";q=10;w=1'], ['RateLimit', '"default";r=9;t=1']]
 * ```
 */
export function emitHeaders(dialect: Dialect, decision: Decision, now: number, options: EmitOptions): HeaderList {
  const headers: HeaderList = [['Date', new Date(now).toUTCString()]];
  const limit = String(decision.limit);
  const remaining = String(decision.remaining);
  const resetDelta = ceilSeconds(decision.resetAt - now);
  switch (dialect) {
    case 'x-ratelimit-epoch':
      headers.push(
        ['X-RateLimit-Limit', limit],
        ['X-RateLimit-Remaining', remaining],
        ['X-RateLimit-Reset', String(Math.ceil(decision.resetAt / 1000))],
      );
      break;
    case 'x-ratelimit-delta':
      headers.push(['X-RateLimit-Limit', limit], ['X-RateLimit-Remaining', remaining], ['X-RateLimit-Reset', String(resetDelta)]);
      break;
    case 'github':
      headers.push(
        ['x-ratelimit-limit', limit],
        ['x-ratelimit-remaining', remaining],
        ['x-ratelimit-used', String(Math.max(0, decision.limit - decision.remaining))],
        ['x-ratelimit-reset', String(Math.ceil(decision.resetAt / 1000))],
        ['x-ratelimit-resource', options.resource ?? 'core'],
      );
      break;
    case 'openai':
      headers.push(
        ['x-ratelimit-limit-requests', limit],
        ['x-ratelimit-remaining-requests', remaining],
        ['x-ratelimit-reset-requests', formatGoDuration(decision.fullAt - now)],
      );
      break;
    case 'ietf': {
      const name = options.policyName ?? 'default';
      const seconds = options.windowMs / 1000;
      const window = Number.isInteger(seconds) && seconds >= 1 ? `;w=${seconds}` : '';
      headers.push(['RateLimit-Policy', `"${name}";q=${limit}${window}`], ['RateLimit', `"${name}";r=${remaining};t=${resetDelta}`]);
      break;
    }
    case 'ietf-06':
      headers.push(['RateLimit-Limit', limit], ['RateLimit-Remaining', remaining], ['RateLimit-Reset', String(resetDelta)]);
      break;
    case 'retry-after':
    case 'none':
    case 'silent':
      break;
    default:
      throw new TypeError(`Unknown dialect \`${String(dialect)}\``);
  }
  if (!decision.allowed && dialect !== 'silent') headers.push(['Retry-After', String(retryAfterSeconds(decision.retryAfterMs))]);
  return headers;
}
