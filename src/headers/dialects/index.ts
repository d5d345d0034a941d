import { parseAnthropic } from './anthropic.ts';
import { parseAzure } from './azure.ts';
import { parseCallLimit } from './call-limit.ts';
import type { Dialect } from './context.ts';
import { parseHubSpot } from './hubspot.ts';
import { parseIetf } from './ietf.ts';
import { parseSentry } from './sentry.ts';
import { parseXRateLimit } from './x-ratelimit.ts';
import { parseZendesk } from './zendesk.ts';

/**
 * Every dialect, standards first. Each reads only its own names, and a response may match several
 * (Zendesk sends `X-Rate-Limit` and `ratelimit-*`; Kong sends suffixed and IETF fields).
 */
export const DIALECTS: readonly Dialect[] = [
  parseIetf,
  parseXRateLimit,
  parseAnthropic,
  parseHubSpot,
  parseSentry,
  parseCallLimit,
  parseZendesk,
  parseAzure,
];

/**
 * Whether a (lowercased) header name can carry a rate limit for any dialect or retry signal above:
 * every name they read contains `limit` (`ratelimit*`, `x-rate-limit-*`, `x-app-limit-*`,
 * `*-api-call-limit`, `sforce-limit-info`, ...) or `retry-after`, or is Anthropic's
 * (`anthropic-priority-*`). A response with no such name has nothing to parse (its `Date`, `Age`
 * and `Content-Type` only qualify the others): most responses, read without running the dialects.
 * A dialect reading a name outside this rule must widen it (`test/headers` checks every fixture).
 */
export function isRateLimitHeaderName(name: string): boolean {
  return name.includes('limit') || name.includes('retry-after') || name.startsWith('anthropic-');
}
