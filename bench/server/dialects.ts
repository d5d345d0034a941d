/**
 * Pure header emitters: a limiter decision + now -> the response headers a real API of that
 * dialect sends (see /work/shared/header-dialects.md §1, §2.1, §2.2, §3.1, §3.14).
 * Every response carries `Date`; every 429 carries `Retry-After` (integer seconds, >= 1).
 */
import type { Decision } from './limiters.ts';
import { formatGoDuration } from './go-duration.ts';

export const dialectNames = [
  'x-ratelimit-epoch',
  'x-ratelimit-delta',
  'github',
  'openai',
  'ietf',
  'ietf-06',
  'none',
] as const;

export type Dialect = (typeof dialectNames)[number];

export interface EmitOptions {
  /** The limiter's window, for IETF `w=` (omitted unless a whole number of seconds). */
  windowMs: number;
  /** IETF policy name. @default 'default' */
  policyName?: string;
}

export type HeaderList = Array<[name: string, value: string]>;

const ceilSeconds = (ms: number): number => Math.max(0, Math.ceil(ms / 1000));

/** Integer seconds, rounded up, at least 1 (a `Retry-After: 0` makes clients retry at once). */
export function retryAfterSeconds(retryAfterMs: number | undefined): number {
  if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs)) return 3600;
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

export function isDialect(value: string): value is Dialect {
  return (dialectNames as readonly string[]).includes(value);
}

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
      headers.push(
        ['X-RateLimit-Limit', limit],
        ['X-RateLimit-Remaining', remaining],
        ['X-RateLimit-Reset', String(resetDelta)],
      );
      break;
    case 'github':
      headers.push(
        ['x-ratelimit-limit', limit],
        ['x-ratelimit-remaining', remaining],
        ['x-ratelimit-used', String(Math.max(0, decision.limit - decision.remaining))],
        ['x-ratelimit-reset', String(Math.ceil(decision.resetAt / 1000))],
        ['x-ratelimit-resource', 'core'],
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
      headers.push(
        ['RateLimit-Policy', `"${name}";q=${limit}${window}`],
        ['RateLimit', `"${name}";r=${remaining};t=${resetDelta}`],
      );
      break;
    }
    case 'ietf-06':
      headers.push(
        ['RateLimit-Limit', limit],
        ['RateLimit-Remaining', remaining],
        ['RateLimit-Reset', String(resetDelta)],
      );
      break;
    case 'none':
      break;
    default:
      throw new TypeError(`Unknown dialect \`${String(dialect)}\``);
  }
  if (!decision.allowed) headers.push(['Retry-After', String(retryAfterSeconds(decision.retryAfterMs))]);
  return headers;
}
