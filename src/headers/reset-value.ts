/**
 * The reset-value classifier (header-dialects.md §7.2): one raw reset value in, an instant on the
 * caller's clock out. Handles Go durations, ISO 8601, HTTP-dates, epoch seconds and ms, delta
 * seconds and ms, and engine-parsed date strings; sentinels and garbage give `undefined`.
 */

import { absolutePrecision, absoluteToClient, deltaToClient, referenceNow } from './clock.ts';
import type { Clock } from './clock.ts';
import { looksLikeHttpDate, parseHttpDate, parseIsoDate, parseLooseDate, splitDateAwareList } from './dates.ts';
import { parseGoDuration } from './go-duration.ts';
import { MAX_FUTURE_MS } from './limits.ts';
import { fractionDigits, parseStrictNumber, secondsPrecisionMs, secondsToMs } from './numbers.ts';

/** How a reset value was read. */
export type ResetKind =
  | 'duration'
  | 'iso-8601'
  | 'http-date'
  | 'date-string'
  | 'epoch-seconds'
  | 'epoch-ms'
  | 'delta-seconds'
  | 'delta-ms';

/** What a dialect knows about a numeric reset value's unit; shapes with units are detected anyway. */
export type ResetHint = 'delta-seconds' | 'delta-ms' | 'epoch-seconds' | 'epoch-ms';

export interface ResetOptions {
  /** The dialect's knowledge of the numeric form; without it the magnitude decides. */
  readonly hint?: ResetHint | undefined;
  /** The lowercased header name: `ms` / `millis` in it makes a small number a delta in ms. */
  readonly headerName?: string | undefined;
  /** The policy's window, when stated: a delta far beyond it but near it in ms is read as ms. */
  readonly windowMs?: number | undefined;
}

/** A classified reset: an instant on the caller's clock, how precise it is, and how it was read. */
export interface ResetReading {
  readonly resetAt: number;
  readonly precisionMs: number;
  readonly kind: ResetKind;
}

const EPOCH_SECONDS_MIN = 1e9; // 2001-09-09
const EPOCH_SECONDS_MAX = 1e11; // year 5138
const EPOCH_MS_MIN = 1e12;
const EPOCH_MS_MAX = 1e14;
const MS_NAME_HINT = /(?:^|[-_])(?:ms|millis|milliseconds)(?:$|[-_])/;

function reading(resetAt: number | undefined, precisionMs: number, kind: ResetKind): ResetReading | undefined {
  return resetAt === undefined ? undefined : { resetAt, precisionMs, kind };
}

function classifyNumber(raw: string, value: number, clock: Clock, options: ResetOptions): ResetReading | undefined {
  if (value < 0) return undefined; // sentinels such as Azure's -1
  const secondsPrecision = secondsPrecisionMs(fractionDigits(raw));
  const asEpochSeconds = (): ResetReading | undefined =>
    reading(absoluteToClient(secondsToMs(value), clock), absolutePrecision(secondsPrecision, clock), 'epoch-seconds');
  const asEpochMs = (): ResetReading | undefined => reading(absoluteToClient(value, clock), absolutePrecision(1, clock), 'epoch-ms');
  const asDeltaSeconds = (): ResetReading | undefined =>
    reading(deltaToClient(secondsToMs(value), clock), secondsPrecision, 'delta-seconds');
  const asDeltaMs = (): ResetReading | undefined => reading(deltaToClient(value, clock), 1, 'delta-ms');

  switch (options.hint) {
    case 'delta-seconds':
      return asDeltaSeconds();
    case 'delta-ms':
      return asDeltaMs();
    case 'epoch-seconds':
      return value >= EPOCH_MS_MIN ? asEpochMs() : asEpochSeconds();
    case 'epoch-ms':
      return value < EPOCH_SECONDS_MAX ? asEpochSeconds() : asEpochMs();
    default:
      break;
  }
  if (value >= EPOCH_MS_MIN && value < EPOCH_MS_MAX) return asEpochMs();
  if (value >= EPOCH_SECONDS_MIN && value < EPOCH_SECONDS_MAX) return asEpochSeconds();
  if (value >= EPOCH_SECONDS_MIN) return undefined; // neither a plausible delta nor an epoch
  if (options.headerName !== undefined && MS_NAME_HINT.test(options.headerName)) return asDeltaMs();
  const windowMs = options.windowMs;
  if (windowMs !== undefined && windowMs > 0 && value * 1000 > 2 * windowMs && value <= 1.1 * windowMs) {
    return asDeltaMs();
  }
  return value * 1000 > MAX_FUTURE_MS ? undefined : asDeltaSeconds();
}

/**
 * Classifies one reset value and converts it to epoch ms on the caller's clock.
 *
 * Absolute forms (epochs, ISO 8601, HTTP-dates) are corrected by the server's `Date`
 * (`now + (absolute − serverDate)`) and rejected when more than a day in the past or 400 days
 * ahead of the server's "now"; recent past instants become `now`. Deltas become `now + delta`.
 *
 * @example
 * classifyResetValue('6m0s', { now: 0, serverDate: undefined, serverDateSlackMs: 0 }); // { resetAt: 360000, precisionMs: 1000, kind: 'duration' }
 */
export function classifyResetValue(raw: string, clock: Clock, options: ResetOptions = {}): ResetReading | undefined {
  const text = raw.trim().replace(/^"(.*)"$/, '$1').trim();
  if (text.length === 0 || text.length > 128) return undefined;

  const number = parseStrictNumber(text);
  if (number !== undefined) return classifyNumber(text, number, clock, options);

  const duration = parseGoDuration(text);
  if (duration !== undefined) return reading(deltaToClient(duration.ms, clock), duration.precisionMs, 'duration');

  const iso = parseIsoDate(text);
  if (iso !== undefined) return reading(absoluteToClient(iso.time, clock), absolutePrecision(iso.precisionMs, clock), 'iso-8601');

  if (looksLikeHttpDate(text)) {
    const httpDate = parseHttpDate(text, referenceNow(clock));
    if (httpDate !== undefined) return reading(absoluteToClient(httpDate, clock), absolutePrecision(1000, clock), 'http-date');
  }

  const loose = parseLooseDate(text);
  if (loose !== undefined) return reading(absoluteToClient(loose, clock), absolutePrecision(1000, clock), 'date-string');
  return undefined;
}

/**
 * Classifies each member of a comma-joined reset value (HTTP-dates stay whole), in order;
 * members that cannot be read are `undefined`, so positions still line up.
 */
export function classifyResetList(raw: string, clock: Clock, options: ResetOptions = {}): Array<ResetReading | undefined> {
  return splitDateAwareList(raw).map((member) => classifyResetValue(member, clock, options));
}

/** The latest reset among the members of a comma-joined value (duplicates: the later one is safe). */
export function latestReset(raw: string | undefined, clock: Clock, options: ResetOptions = {}): ResetReading | undefined {
  if (raw === undefined) return undefined;
  let latest: ResetReading | undefined;
  for (const candidate of classifyResetList(raw, clock, options)) {
    if (candidate !== undefined && (latest === undefined || candidate.resetAt > latest.resetAt)) latest = candidate;
  }
  return latest;
}
