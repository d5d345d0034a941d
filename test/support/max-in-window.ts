/** The most timestamps in any half-open span of `windowMs` (the times in any order). */
export function maxInWindow(times: readonly number[], windowMs: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  let start = 0;
  for (let end = 0; end < sorted.length; end++) {
    while ((sorted[start] ?? 0) <= (sorted[end] ?? 0) - windowMs) start++;
    best = Math.max(best, end - start + 1);
  }
  return best;
}
