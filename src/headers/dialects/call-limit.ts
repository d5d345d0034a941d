/**
 * "used/limit" counters: Shopify REST's `X-Shopify-Shop-Api-Call-Limit: 32/40` (a leaky bucket),
 * Gorgias' `X-Gorgias-Account-Api-Call-Limit: 10/40`, and Salesforce's
 * `Sforce-Limit-Info: api-usage=10018/100000` (a rolling 24 h allowance).
 */

import { DAY_MS } from '../limits.ts';
import { parseStrictNumber } from '../numbers.ts';
import type { PolicyDraft } from '../policy.ts';
import type { DialectContext } from './context.ts';

const CALL_LIMIT = /^x-([a-z0-9-]{1,40})-api-call-limit$/;

function usedOverLimit(raw: string): { used: number; limit: number } | undefined {
  const match = /^\s*([\d.]+)\s*\/\s*([\d.]+)\s*$/.exec(raw.split(',', 1)[0] ?? '');
  if (!match) return undefined;
  const used = parseStrictNumber(match[1] ?? '');
  const limit = parseStrictNumber(match[2] ?? '');
  return used === undefined || limit === undefined ? undefined : { used, limit };
}

/** Reads the "used/limit" counters. */
export function parseCallLimit(context: DialectContext): PolicyDraft[] {
  const drafts: PolicyDraft[] = [];
  for (const [header, value] of context.headers) {
    const match = CALL_LIMIT.exec(header);
    if (!match) continue;
    const counter = usedOverLimit(value);
    if (counter === undefined) continue;
    const vendor = (match[1] ?? '').split('-', 1)[0] ?? '';
    drafts.push({
      limit: counter.limit,
      remaining: Math.max(0, counter.limit - counter.used),
      semantics: 'refill',
      dialect: vendor,
    });
  }
  const salesforce = context.headers.get('sforce-limit-info');
  if (salesforce !== undefined) {
    for (const part of salesforce.split(',', 8)) {
      const [key = '', counterText = ''] = part.split('=', 2);
      const counter = usedOverLimit(counterText);
      if (counter === undefined) continue;
      drafts.push({
        name: key.trim(),
        limit: counter.limit,
        remaining: Math.max(0, counter.limit - counter.used),
        windowMs: DAY_MS,
        semantics: 'refill',
        dialect: 'salesforce',
      });
    }
  }
  return drafts;
}
