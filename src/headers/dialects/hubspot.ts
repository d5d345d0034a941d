/**
 * HubSpot: a rolling window (`X-HubSpot-RateLimit-Max` / `-Remaining` over
 * `-Interval-Milliseconds`), a per-second limit (`-Secondly`, `-Secondly-Remaining`) and a daily
 * limit (`-Daily`, `-Daily-Remaining`, absent on OAuth calls). No reset headers.
 */

import { DAY_MS, SECOND_MS } from '../limits.ts';
import { minCount } from '../numbers.ts';
import type { PolicyDraft } from '../policy.ts';
import type { DialectContext } from './context.ts';

const PREFIX = 'x-hubspot-ratelimit-';

/** Reads the HubSpot family. */
export function parseHubSpot(context: DialectContext): PolicyDraft[] {
  const get = (suffix: string): number | undefined => minCount(context.headers.get(PREFIX + suffix));
  const drafts: PolicyDraft[] = [
    {
      name: 'rolling',
      limit: get('max'),
      remaining: get('remaining'),
      windowMs: get('interval-milliseconds'),
      semantics: 'refill',
      dialect: 'hubspot',
    },
    { name: 'secondly', limit: get('secondly'), remaining: get('secondly-remaining'), windowMs: SECOND_MS, semantics: 'refill', dialect: 'hubspot' },
    { name: 'daily', limit: get('daily'), remaining: get('daily-remaining'), windowMs: DAY_MS, semantics: 'window', dialect: 'hubspot' },
  ];
  return drafts.filter((draft) => draft.limit !== undefined || draft.remaining !== undefined);
}
