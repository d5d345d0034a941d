import { MAX_FUTURE_MS, MAX_PAST_MS } from './limits.ts';

/** The two clocks of one response: the caller's (`now`) and the server's (`Date`), both epoch ms. */
export interface Clock {
  /** The caller's clock when the response arrived. */
  readonly now: number;
  /** The server's clock from its `Date` header, when present and parseable. */
  readonly serverDate: number | undefined;
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
