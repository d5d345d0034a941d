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
