/**
 * Sentry's web API: `X-Sentry-Rate-Limit-{Limit,Remaining,Reset}` (epoch seconds, fixed window) and
 * a concurrency limiter (`-ConcurrentLimit`, `-ConcurrentRemaining`). The ingest header
 * `X-Sentry-Rate-Limits` is per event category, not per HTTP request, and is not read here.
 */

import { minCount } from '../numbers.ts';
import type { PolicyDraft } from '../policy.ts';
import { latestReset } from '../reset-value.ts';
import type { DialectContext } from './context.ts';

const PREFIX = 'x-sentry-rate-limit-';

/** Reads the Sentry family. */
export function parseSentry(context: DialectContext): PolicyDraft[] {
  const { headers, clock } = context;
  return [
    {
      limit: minCount(headers.get(`${PREFIX}limit`)),
      remaining: minCount(headers.get(`${PREFIX}remaining`)),
      reset: latestReset(headers.get(`${PREFIX}reset`), clock, { hint: 'epoch-seconds' }),
      semantics: 'window',
      dialect: 'sentry',
    },
    {
      name: 'concurrent',
      unit: 'concurrent-requests',
      limit: minCount(headers.get(`${PREFIX}concurrentlimit`)),
      remaining: minCount(headers.get(`${PREFIX}concurrentremaining`)),
      semantics: 'refill',
      dialect: 'sentry',
    },
  ];
}
