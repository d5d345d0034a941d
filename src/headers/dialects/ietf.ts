import type { PolicyDraft } from '../policy.ts';
import type { DialectContext } from './context.ts';
import { parseIetfSplit } from './ietf-split.ts';
import { parseIetfStructured } from './ietf-structured.ts';

/**
 * Every IETF RateLimit form, newest first: draft-08+ lists, the draft-07 dictionary, then the
 * split fields of drafts ≤ -06 (and the vendors sharing their names). Both may be present (Kong
 * sends split fields; a server migrating may send both), so both are read.
 */
export function parseIetf(context: DialectContext): PolicyDraft[] {
  const structured = parseIetfStructured(context);
  return [...structured.drafts, ...parseIetfSplit(context, !structured.usedPolicyField)];
}
