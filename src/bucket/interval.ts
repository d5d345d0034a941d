/** A half-open range of plausible values, `low < value <= high` (low may be 0, high Infinity). */
export interface Interval {
  readonly low: number;
  readonly high: number;
}

/** The unbounded interval: nothing is known. */
export const UNKNOWN_INTERVAL: Interval = { low: 0, high: Infinity };

/** Both intervals at once, or undefined when they contradict each other. */
export function intersect(a: Interval, b: Interval): Interval | undefined {
  const low = Math.max(a.low, b.low);
  const high = Math.min(a.high, b.high);
  return low < high ? { low, high } : undefined;
}
