/**
 * Zendesk's endpoint limits: `zendesk-ratelimit-tickets-index: total=100; remaining=99; resets=41`,
 * a semicolon-separated `key=value` list (not a Structured Field), `resets` in delta seconds.
 */

import { parseStrictNumber } from '../numbers.ts';
import type { PolicyDraft } from '../policy.ts';
import { classifyResetValue } from '../reset-value.ts';
import type { DialectContext } from './context.ts';

const PREFIX = 'zendesk-ratelimit-';

/** Reads every `zendesk-ratelimit-<endpoint>` header. */
export function parseZendesk(context: DialectContext): PolicyDraft[] {
  const drafts: PolicyDraft[] = [];
  for (const [header, value] of context.headers) {
    if (!header.startsWith(PREFIX) || header.length === PREFIX.length) continue;
    const fields = new Map<string, string>();
    for (const part of value.split(/[;,]/, 16)) {
      const [key = '', text = ''] = part.split('=', 2);
      fields.set(key.trim().toLowerCase(), text.trim());
    }
    const resets = fields.get('resets');
    drafts.push({
      name: header.slice(PREFIX.length),
      limit: parseStrictNumber(fields.get('total') ?? ''),
      remaining: parseStrictNumber(fields.get('remaining') ?? ''),
      reset: resets === undefined ? undefined : classifyResetValue(resets, context.clock, { hint: 'delta-seconds' }),
      semantics: 'window',
      dialect: 'zendesk',
    });
  }
  return drafts;
}
