/**
 * Azure Resource Manager: `x-ms-ratelimit-remaining-subscription-reads: 11999` (remaining only) and
 * `x-ms-ratelimit-remaining-resource: Microsoft.Compute/GetVMScaleSet3Min;197,...` (named
 * policies as `name;remaining`).
 */

import { MAX_LIST_MEMBERS } from '../limits.ts';
import { minCount, parseStrictNumber, splitList } from '../numbers.ts';
import type { PolicyDraft } from '../policy.ts';
import type { DialectContext } from './context.ts';

const PREFIX = 'x-ms-ratelimit-remaining-';

/** Reads the Azure Resource Manager family. */
export function parseAzure(context: DialectContext): PolicyDraft[] {
  const drafts: PolicyDraft[] = [];
  for (const [header, value] of context.headers) {
    if (!header.startsWith(PREFIX)) continue;
    const scope = header.slice(PREFIX.length);
    if (scope === 'resource') {
      for (const member of splitList(value).slice(0, MAX_LIST_MEMBERS)) {
        const separator = member.lastIndexOf(';');
        if (separator <= 0) continue;
        drafts.push({
          name: member.slice(0, separator).trim(),
          remaining: parseStrictNumber(member.slice(separator + 1)),
          semantics: 'window',
          dialect: 'azure',
        });
      }
    } else if (scope.length > 0) {
      drafts.push({ name: scope, remaining: minCount(value), semantics: 'window', dialect: 'azure' });
    }
  }
  return drafts;
}
