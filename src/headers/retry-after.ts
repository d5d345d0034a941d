/**
 * "Wait until then" signals: `retry-after-ms` (float ms, Azure OpenAI and the Stainless SDKs),
 * `Retry-After` (RFC 9110 delay-seconds or HTTP-date, leniently with decimals like Shopify's `2.0`),
 * and the vendor spellings `X-RateLimit-Retry-After` (MailerLite, seconds) and Akamai's
 * `X-RateLimit-Next` (an instant).
 */

import type { Clock } from './clock.ts';
import { referenceNow } from './clock.ts';
import { MAX_FUTURE_MS } from './limits.ts';
import { parseHttpDate, splitDateAwareList } from './dates.ts';
import type { NormalizedHeaders } from './normalize-headers.ts';
import { parseStrictNumber, secondsToMs } from './numbers.ts';
import { classifyResetValue } from './reset-value.ts';

/** A retry signal: when to retry on the caller's clock, and which header said so. */
export interface RetrySignal {
  readonly retryAt: number;
  readonly source: 'retry-after-ms' | 'retry-after' | 'x-ratelimit-retry-after' | 'x-ratelimit-next';
  /** The number a numeric `Retry-After` carried, for the Discord ≤ v7 milliseconds check. */
  readonly delayValue?: number | undefined;
}

function latest(values: ReadonlyArray<number | undefined>): number | undefined {
  let result: number | undefined;
  for (const value of values) {
    if (value !== undefined && Number.isFinite(value) && (result === undefined || value > result)) result = value;
  }
  return result;
}

/**
 * A delay as an instant on the caller's clock. Far delays are clamped to 400 days, the horizon
 * past which resets are dropped: still "longer than any cap" (the client rejects with
 * `RateLimitError`), never an instant absurdly far away.
 */
function delayToRetryAt(delayMs: number, clock: Clock): number | undefined {
  return Number.isFinite(delayMs) && delayMs >= 0 ? Math.ceil(clock.now + Math.min(delayMs, MAX_FUTURE_MS)) : undefined;
}

/** One `Retry-After` member: delay-seconds (decimals allowed) or an HTTP-date, skew-corrected. */
function retryAfterMember(member: string, clock: Clock): number | undefined {
  const seconds = parseStrictNumber(member);
  if (seconds !== undefined) return delayToRetryAt(secondsToMs(seconds), clock);
  const date = parseHttpDate(member, referenceNow(clock));
  // A date in the past means "now"; a far one is kept (clamped): capping is the client's decision.
  return date === undefined ? undefined : delayToRetryAt(Math.max(0, date - referenceNow(clock)), clock);
}

/**
 * Reads the strongest retry signal present, by precedence: `retry-after-ms`, `Retry-After`,
 * `X-RateLimit-Retry-After`, `X-RateLimit-Next`. Comma-joined duplicates give the latest instant.
 * Negative, non-finite and unparseable values are ignored.
 */
export function readRetrySignal(headers: NormalizedHeaders, clock: Clock): RetrySignal | undefined {
  const retryAfterMs = headers.get('retry-after-ms');
  if (retryAfterMs !== undefined) {
    const retryAt = latest(splitDateAwareList(retryAfterMs).map((member) => {
      const ms = parseStrictNumber(member);
      return ms === undefined ? undefined : delayToRetryAt(ms, clock);
    }));
    if (retryAt !== undefined) return { retryAt, source: 'retry-after-ms' };
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter !== undefined) {
    const members = splitDateAwareList(retryAfter);
    const retryAt = latest(members.map((member) => retryAfterMember(member, clock)));
    if (retryAt !== undefined) {
      const only = members.length === 1 ? parseStrictNumber(members[0] ?? '') : undefined;
      return { retryAt, source: 'retry-after', delayValue: only };
    }
  }
  const vendorDelay = headers.get('x-ratelimit-retry-after');
  if (vendorDelay !== undefined) {
    const retryAt = latest(splitDateAwareList(vendorDelay).map((member) => retryAfterMember(member, clock)));
    if (retryAt !== undefined) return { retryAt, source: 'x-ratelimit-retry-after' };
  }
  const next = headers.get('x-ratelimit-next');
  if (next !== undefined) {
    const reading = classifyResetValue(next, clock);
    if (reading !== undefined) return { retryAt: reading.resetAt, source: 'x-ratelimit-next' };
  }
  return undefined;
}
