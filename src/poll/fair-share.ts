/**
 * Fair spacing, as pure functions: when the pollers of a bucket want more requests per second than
 * the quota allows, every poller's interval stretches by the same factor.
 */

/** The parts of a bucket snapshot the allowed rate comes from. */
export interface RateSource {
  readonly limit: number | undefined;
  readonly windowMs: number | undefined;
  readonly policies?: readonly { readonly unit: string; readonly limit: number | undefined; readonly windowMs: number | undefined; readonly windowLearning?: boolean }[];
}

/**
 * Requests per second the bucket allows: the tightest request policy's `limit / window`, or the
 * bucket's own `limit / windowMs`; `undefined` while unknown (then nothing stretches and the
 * quota's gate alone paces the pollers). A window still being inferred counts as unknown: its
 * bound is loose (6.8 s for a 1 s window while four pollers never fill it), and stretching by it
 * then shrinking back reset every cadence at once (10 requests in one second on a 10/s server).
 */
export function allowedPerSecond(bucket: RateSource): number | undefined {
  if (bucket.policies?.some((policy) => policy.unit === 'requests' && policy.windowLearning === true) === true) return undefined;
  let best: number | undefined;
  const consider = (limit: number | undefined, windowMs: number | undefined): void => {
    if (limit === undefined || windowMs === undefined || !(limit > 0) || !(windowMs > 0)) return;
    const rate = (limit * 1000) / windowMs;
    if (Number.isFinite(rate) && (best === undefined || rate < best)) best = rate;
  };
  for (const policy of bucket.policies ?? []) if (policy.unit === 'requests') consider(policy.limit, policy.windowMs);
  if (best === undefined) consider(bucket.limit, bucket.windowMs);
  return best;
}

/** Requests per second a set of intervals (ms) wants; `Infinity` intervals (paused) want none. */
export function wantedPerSecond(intervalsMs: Iterable<number>): number {
  let sum = 0;
  for (const interval of intervalsMs) if (interval > 0 && Number.isFinite(interval)) sum += 1000 / interval;
  return sum;
}

/**
 * The factor every interval of a bucket is multiplied by: 1 while the wanted rate fits in
 * `utilization` of the allowed rate, `wanted / (allowed * utilization)` beyond.
 * @example stretchFor(40, 10) // 4: forty 1 s pollers on a 10 req/s quota each poll every 4 s
 */
export function stretchFor(wanted: number, allowed: number | undefined, utilization = 1): number {
  if (allowed === undefined || !(allowed > 0) || !(wanted > 0)) return 1;
  return Math.max(1, wanted / (allowed * utilization));
}

/** True when two stretch factors differ enough to reschedule pollers and tell listeners (1 %). */
export function stretchChanged(previous: number, next: number): boolean {
  return Math.abs(next - previous) > 0.01 * Math.max(previous, next);
}
