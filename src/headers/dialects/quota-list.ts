/**
 * The quota lists of IETF drafts ≤ -07 and their X- prefixed copies: `RateLimit-Limit: 10, 10;w=1,
 * 50;w=60` (the first member is the expiring limit, the others are policies), `RateLimit-Policy:
 * 10;w=1, 50;w=60`, Docker Hub's `100;w=21600`, draft-polli-00's and WHOOP's `100;window=60`.
 */

import { MAX_LIST_MEMBERS } from '../limits.ts';
import { parseStrictNumber, splitList } from '../numbers.ts';
import { numberOf, parseList } from '../structured-fields.ts';

export interface QuotaEntry {
  readonly quota: number;
  readonly windowMs?: number | undefined;
}

function windowFromSeconds(seconds: number | undefined): number | undefined {
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

function parseStructured(raw: string): QuotaEntry[] {
  const entries: QuotaEntry[] = [];
  for (const member of parseList(raw).slice(0, MAX_LIST_MEMBERS)) {
    if (member.kind !== 'item') continue;
    const quota = numberOf(member.value);
    if (quota === undefined) continue;
    const windowSeconds = numberOf(member.params.get('w')) ?? numberOf(member.params.get('window'));
    entries.push({ quota, windowMs: windowFromSeconds(windowSeconds) });
  }
  return entries;
}

/** Looser than RFC 9651 for servers that write `100; w = 60`: members split on `,`, params on `;`. */
function parseLenient(raw: string): QuotaEntry[] {
  const entries: QuotaEntry[] = [];
  for (const member of splitList(raw)) {
    const [head = '', ...params] = member.split(';');
    const quota = parseStrictNumber(head);
    if (quota === undefined) continue;
    let windowMs: number | undefined;
    for (const param of params) {
      const match = /^\s*(w|window)\s*=\s*"?([^"]*)"?\s*$/i.exec(param);
      if (match) windowMs = windowFromSeconds(parseStrictNumber(match[2] ?? ''));
    }
    entries.push({ quota, windowMs });
  }
  return entries;
}

/** Parses a quota list; never throws. */
export function parseQuotaList(raw: string | undefined): QuotaEntry[] {
  if (raw === undefined) return [];
  try {
    return parseStructured(raw);
  } catch {
    return parseLenient(raw);
  }
}

/** The expiring limit a response reports now, and the other policies it lists. */
export interface ResolvedQuotas {
  readonly current: Partial<QuotaEntry>;
  readonly others: QuotaEntry[];
}

/**
 * Resolves the expiring limit (the first member of the limit list) against the listed policies:
 * its window comes from its own `w`, else from the first policy with the same quota, which is then
 * not repeated. Policies come from `policyEntries` when given, else from the limit list's tail.
 */
export function resolveQuotas(limitEntries: readonly QuotaEntry[], policyEntries: readonly QuotaEntry[]): ResolvedQuotas {
  const first = limitEntries[0];
  const others = policyEntries.length > 0 ? [...policyEntries] : limitEntries.slice(1);
  let quota = first?.quota;
  let windowMs = first?.windowMs;
  if (quota === undefined && others.length === 1) {
    // Only a policy was sent (draft-07 `RateLimit` without `limit`): it is the current one.
    const only = others.pop();
    return { current: { quota: only?.quota, windowMs: only?.windowMs }, others };
  }
  const matching = others.findIndex((entry) => entry.quota === quota && (windowMs === undefined || entry.windowMs === windowMs));
  if (matching !== -1) {
    windowMs ??= others[matching]?.windowMs;
    others.splice(matching, 1);
  }
  // Comma-joined duplicates of a plain limit (`5000, 5000`) are one quota, not two.
  const distinct = others.filter((entry) => !(entry.windowMs === undefined && entry.quota === quota));
  return { current: { quota, windowMs }, others: distinct };
}
