/**
 * Anthropic: `anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset}`
 * (RFC 3339 resets, "fully replenished": a refilling bucket), the Priority Tier's
 * `anthropic-priority-{input,output}-tokens-*`, and the undocumented "unified" family
 * (`anthropic-ratelimit-unified-5h-reset`: epoch seconds, a fixed window, reported as utilisation).
 */

import { DAY_MS, HOUR_MS } from '../limits.ts';
import { minCount } from '../numbers.ts';
import type { PolicyDraft } from '../policy.ts';
import { latestReset } from '../reset-value.ts';
import type { DialectContext } from './context.ts';

const KINDS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const;
const PRIORITY_KINDS = ['input-tokens', 'output-tokens'] as const;

function bucketDraft(prefix: string, name: string, unit: string, context: DialectContext): PolicyDraft {
  const { headers, clock } = context;
  return {
    name,
    unit,
    limit: minCount(headers.get(`${prefix}-limit`)),
    remaining: minCount(headers.get(`${prefix}-remaining`)),
    reset: latestReset(headers.get(`${prefix}-reset`), clock, { headerName: `${prefix}-reset` }),
    semantics: 'refill',
    dialect: 'anthropic',
  };
}

function unifiedWindowMs(label: string): number | undefined {
  const match = /^(\d{1,3})([hd])$/.exec(label);
  if (!match) return undefined;
  return Number(match[1]) * (match[2] === 'h' ? HOUR_MS : DAY_MS);
}

/**
 * The unified family reports utilisation, not counts: it gives a window and a reset, and
 * `remaining: 0` only when its status says `rejected` (the window is exhausted).
 */
function unifiedDrafts(context: DialectContext): PolicyDraft[] {
  const drafts: PolicyDraft[] = [];
  const labels = new Set<string>();
  for (const header of context.headers.keys()) {
    const match = /^anthropic-ratelimit-unified-([a-z0-9]{1,8})-(?:reset|status|utilization)$/.exec(header);
    if (match?.[1] !== undefined && labels.size < 8) labels.add(match[1]);
  }
  for (const label of labels) {
    const prefix = `anthropic-ratelimit-unified-${label}`;
    const status = context.headers.get(`${prefix}-status`)?.trim().toLowerCase();
    drafts.push({
      name: `unified-${label}`,
      unit: 'utilization',
      remaining: status === 'rejected' ? 0 : undefined,
      windowMs: unifiedWindowMs(label),
      reset: latestReset(context.headers.get(`${prefix}-reset`), context.clock, { hint: 'epoch-seconds' }),
      semantics: 'window',
      dialect: 'anthropic-unified',
    });
  }
  return drafts;
}

/** Reads the Anthropic families. */
export function parseAnthropic(context: DialectContext): PolicyDraft[] {
  const drafts: PolicyDraft[] = [];
  for (const kind of KINDS) {
    drafts.push(bucketDraft(`anthropic-ratelimit-${kind}`, kind, kind, context));
  }
  for (const kind of PRIORITY_KINDS) {
    drafts.push(bucketDraft(`anthropic-priority-${kind}`, `priority-${kind}`, kind, context));
  }
  return [...drafts, ...unifiedDrafts(context)];
}
