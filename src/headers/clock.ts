import { MAX_FUTURE_MS, MAX_PAST_MS } from './limits.ts';

/** The two clocks of one response: the caller's (`now`) and the server's (`Date`), both epoch ms. */
export interface Clock {
  /** The caller's clock when the response arrived. */
  readonly now: number;
  /** The server's clock when the response was made: from its `Date` header, or from the caller's learned skew. */
  readonly serverDate: number | undefined;
  /**
   * How much later than the truth `serverDate` may put absolute instants, ms: 1000 when it is one
   * response's `Date` (whole seconds, rounded down, so a converted reset can land up to a second
   * late), 0 when it comes from a skew the caller learned over many responses, or without one.
   */
  readonly serverDateSlackMs: number;
}

/** The extra imprecision of an absolute instant converted with this clock (see {@link Clock.serverDateSlackMs}). */
export function absolutePrecision(precisionMs: number, clock: Clock): number {
  return precisionMs + clock.serverDateSlackMs;
}

/** The server's idea of "now": its `Date` when known, else the caller's clock. */
export function referenceNow(clock: Clock): number {
  return clock.serverDate ?? clock.now;
}

/**
 * Converts an absolute server-clock instant to the caller's clock:
 * `now + (absolute − serverDate)`, or `absolute` unchanged without a `Date` header.
 * Returns `undefined` when the instant is implausibly far from the server's "now"
 * (more than a day in the past or 400 days ahead). Past instants within a day become `now`.
 */
export function absoluteToClient(absolute: number, clock: Clock): number | undefined {
  if (!Number.isFinite(absolute)) return undefined;
  const offset = absolute - referenceNow(clock);
  if (offset < -MAX_PAST_MS || offset > MAX_FUTURE_MS) return undefined;
  return Math.ceil(clock.now + Math.max(0, offset));
}

/** `now + deltaMs`, or `undefined` for negative, non-finite or absurd (> 400 days) deltas. */
export function deltaToClient(deltaMs: number, clock: Clock): number | undefined {
  if (!Number.isFinite(deltaMs) || deltaMs < 0 || deltaMs > MAX_FUTURE_MS) return undefined;
  return Math.ceil(clock.now + deltaMs);
}
