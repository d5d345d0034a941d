/**
 * The split `RateLimit-Limit` / `-Remaining` / `-Reset` fields of IETF drafts ≤ -06 (and
 * draft-polli, Kong, Zendesk, express-rate-limit draft-6, Resend...), with the vendors that reuse
 * the names: GitLab (epoch-second `RateLimit-Reset`, `RateLimit-Name`, `-Observed`, `-ResetTime`),
 * Docker Hub (`100;w=21600`) and Heroku (a lone `RateLimit-Remaining` over a refilling pool).
 */

import type { PolicyDraft } from '../policy.ts';
import { latestReset } from '../reset-value.ts';
import { minCount } from '../numbers.ts';
import type { DialectContext } from './context.ts';
import { parseQuotaList, resolveQuotas } from './quota-list.ts';

function dialectOf(context: DialectContext): 'gitlab' | 'docker' | 'heroku' | 'ietf-06' {
  const { headers, host } = context;
  if (host === 'gitlab' || headers.has('ratelimit-observed') || headers.has('ratelimit-name') || headers.has('ratelimit-resettime')) {
    return 'gitlab';
  }
  if (headers.has('docker-ratelimit-source')) return 'docker';
  if (host === 'heroku' || (headers.get('content-type') ?? '').includes('vnd.heroku')) return 'heroku';
  return 'ietf-06';
}

/**
 * Reads the split fields. `usePolicyField` is false when `RateLimit-Policy` already belonged to the
 * structured forms (draft-07 / -08).
 */
export function parseIetfSplit(context: DialectContext, usePolicyField: boolean): PolicyDraft[] {
  const { headers, clock } = context;
  const limitRaw = headers.get('ratelimit-limit');
  const remainingRaw = headers.get('ratelimit-remaining');
  const resetRaw = headers.get('ratelimit-reset');
  const policyRaw = usePolicyField ? headers.get('ratelimit-policy') : undefined;
  if (limitRaw === undefined && remainingRaw === undefined && resetRaw === undefined && policyRaw === undefined) return [];

  const dialect = dialectOf(context);
  const { current, others } = resolveQuotas(parseQuotaList(limitRaw), parseQuotaList(policyRaw));
  let remaining = minCount(remainingRaw);
  if (dialect === 'gitlab' && remaining === undefined && current.quota !== undefined) {
    const observed = minCount(headers.get('ratelimit-observed'));
    if (observed !== undefined && observed >= 0 && current.quota > 0) remaining = Math.max(0, current.quota - observed);
  }
  let reset = latestReset(resetRaw, clock, { headerName: 'ratelimit-reset', windowMs: current.windowMs });
  if (reset === undefined && dialect === 'gitlab') reset = latestReset(headers.get('ratelimit-resettime'), clock);

  const semantics = dialect === 'heroku' ? 'refill' : 'window';
  const drafts: PolicyDraft[] = [
    {
      name: dialect === 'gitlab' ? headers.get('ratelimit-name') : undefined,
      limit: current.quota,
      remaining,
      windowMs: current.windowMs,
      reset,
      semantics,
      dialect,
    },
  ];
  for (const entry of others) {
    drafts.push({ limit: entry.quota, windowMs: entry.windowMs, semantics, dialect });
  }
  return drafts;
}
