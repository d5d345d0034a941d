/** The bench's scenarios: the reference server's setup and who runs against it. */
import type { LimitChange } from './server/endpoint.ts';
import type { Algorithm } from './server/limiters.ts';
import type { Dialect } from './server/dialects.ts';

export interface Scenario {
  id: string;
  label: string;
  algorithm: Algorithm;
  dialect: Dialect;
  /** The documented limit per window (what told contenders are configured with). */
  limit: number;
  windowMs: number;
  durationMs: number;
  total: number;
  schedule?: LimitChange[];
  /** Only these contenders run it (default: all). */
  contenders?: string[];
}

const base = { limit: 100, windowMs: 1000, durationMs: 5000, total: 1500 } as const;

export const scenarios: Scenario[] = [
  { id: 'sliding', label: 'sliding', algorithm: 'sliding', dialect: 'x-ratelimit-epoch', ...base },
  { id: 'fixed', label: 'fixed', algorithm: 'fixed', dialect: 'x-ratelimit-epoch', ...base },
  { id: 'bucket', label: 'token bucket', algorithm: 'bucket', dialect: 'x-ratelimit-epoch', ...base },
  { id: 'sliding-delta', label: 'sliding, delta reset', algorithm: 'sliding', dialect: 'x-ratelimit-delta', ...base },
  { id: 'sliding-github', label: 'sliding, GitHub', algorithm: 'sliding', dialect: 'github', ...base },
  { id: 'sliding-openai', label: 'sliding, OpenAI', algorithm: 'sliding', dialect: 'openai', ...base },
  { id: 'sliding-ietf', label: 'sliding, IETF', algorithm: 'sliding', dialect: 'ietf', ...base },
  {
    id: 'drop',
    label: 'limit 100 -> 25 at 2.5 s',
    algorithm: 'sliding',
    dialect: 'x-ratelimit-epoch',
    ...base,
    schedule: [{ atMs: 2500, limit: 25 }],
  },
  { id: 'none-sliding', label: 'no headers, sliding', algorithm: 'sliding', dialect: 'none', ...base },
  { id: 'none-bucket', label: 'no headers, bucket', algorithm: 'bucket', dialect: 'none', ...base },
  ...[500, 2000, 10_000].map(
    (windowMs): Scenario => ({
      id: `window-${windowMs / 1000}`,
      label: `window ${windowMs / 1000} s (unstated)`,
      algorithm: 'sliding',
      dialect: 'x-ratelimit-epoch',
      limit: 100,
      windowMs,
      durationMs: 3 * windowMs,
      total: 1500,
      contenders: ['ky-quota', 'p-queue'],
    }),
  ),
];

/** What the server allows in the run: the limit integrated over the run, per window. */
export function capacity(scenario: Scenario): number {
  const changes = [...(scenario.schedule ?? [])].sort((a, b) => a.atMs - b.atMs);
  let limit = scenario.limit;
  let at = 0;
  let total = 0;
  for (const change of changes) {
    if (change.atMs >= scenario.durationMs) break;
    total += (limit * (change.atMs - at)) / scenario.windowMs;
    at = Math.max(at, change.atMs);
    limit = change.limit;
  }
  total += (limit * (scenario.durationMs - at)) / scenario.windowMs;
  return total;
}
