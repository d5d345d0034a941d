/**
 * The IETF `RateLimit` and `RateLimit-Policy` fields as Structured Fields:
 * draft-08+ Lists of named Items (`RateLimit-Policy: "burst";q=100;w=60`, `RateLimit: "burst";r=50;t=30`,
 * Cloudflare, express-rate-limit draft-8) and the draft-07 Dictionary (`RateLimit: limit=100,
 * remaining=50, reset=5` with `RateLimit-Policy: 100;w=10`).
 */

import { MAX_LIST_MEMBERS } from '../limits.ts';
import type { PolicyDraft } from '../policy.ts';
import { classifyResetValue } from '../reset-value.ts';
import type { ResetReading } from '../reset-value.ts';
import { numberOf, parseDictionary, parseList, textOf } from '../structured-fields.ts';
import type { Item, ListMember, Parameters } from '../structured-fields.ts';
import type { DialectContext } from './context.ts';
import { parseQuotaList, resolveQuotas } from './quota-list.ts';

interface NamedItem {
  readonly name: string;
  readonly params: Parameters;
  readonly partitionKey: string | undefined;
}

function nonNegativeParam(params: Parameters, key: string): number | undefined {
  const value = numberOf(params.get(key));
  return value !== undefined && value >= 0 ? value : undefined;
}

function tryList(raw: string | undefined): ListMember[] | undefined {
  if (raw === undefined) return undefined;
  try {
    return parseList(raw);
  } catch {
    return undefined;
  }
}

/** The draft-08 items of a list: a String (or, loosely, Token) value naming the policy. */
function namedItems(members: readonly ListMember[] | undefined): NamedItem[] | undefined {
  if (members === undefined) return undefined;
  const items = members.filter((member): member is Item => member.kind === 'item' && textOf(member.value) !== undefined);
  if (items.length === 0) return undefined;
  return items.slice(0, MAX_LIST_MEMBERS).map((item) => {
    const partitionKey = item.params.get('pk');
    return {
      name: textOf(item.value) ?? '',
      params: item.params,
      partitionKey: partitionKey?.type === 'byte-sequence' || partitionKey?.type === 'string' ? partitionKey.value : undefined,
    };
  });
}

function deltaReset(seconds: number | undefined, context: DialectContext): ResetReading | undefined {
  return seconds === undefined ? undefined : classifyResetValue(String(seconds), context.clock, { hint: 'delta-seconds' });
}

function matches(policy: NamedItem, limit: NamedItem): boolean {
  return (
    policy.name === limit.name &&
    (policy.partitionKey === undefined || limit.partitionKey === undefined || policy.partitionKey === limit.partitionKey)
  );
}

function draft08(policyItems: readonly NamedItem[], limitItems: readonly NamedItem[], context: DialectContext): PolicyDraft[] {
  const drafts: PolicyDraft[] = [];
  const unused = [...limitItems];
  for (const policy of policyItems) {
    const index = unused.findIndex((limit) => matches(policy, limit));
    const limit = index === -1 ? undefined : unused.splice(index, 1)[0];
    const quotaUnit = textOf(policy.params.get('qu'));
    const windowSeconds = nonNegativeParam(policy.params, 'w');
    drafts.push({
      name: policy.name,
      unit: quotaUnit ?? 'requests',
      limit: nonNegativeParam(policy.params, 'q'),
      remaining: limit === undefined ? undefined : nonNegativeParam(limit.params, 'r'),
      windowMs: windowSeconds === undefined ? undefined : windowSeconds * 1000,
      reset: limit === undefined ? undefined : deltaReset(nonNegativeParam(limit.params, 't'), context),
      semantics: 'window',
      partitionKey: policy.partitionKey ?? limit?.partitionKey,
      dialect: 'ietf-08',
    });
  }
  for (const limit of unused) {
    drafts.push({
      name: limit.name,
      remaining: nonNegativeParam(limit.params, 'r'),
      reset: deltaReset(nonNegativeParam(limit.params, 't'), context),
      semantics: 'window',
      partitionKey: limit.partitionKey,
      dialect: 'ietf-08',
    });
  }
  return drafts;
}

function dictionaryNumber(dictionary: ReadonlyMap<string, ListMember>, key: string): number | undefined {
  const member = dictionary.get(key);
  if (member?.kind !== 'item') return undefined;
  const value = numberOf(member.value);
  return value !== undefined && value >= 0 ? value : undefined;
}

function draft07(raw: string | undefined, policyRaw: string | undefined, context: DialectContext): PolicyDraft[] | undefined {
  if (raw === undefined) return undefined;
  let dictionary: Map<string, ListMember>;
  try {
    dictionary = parseDictionary(raw);
  } catch {
    return undefined;
  }
  if (!dictionary.has('limit') && !dictionary.has('remaining') && !dictionary.has('reset')) return undefined;
  const limit = dictionaryNumber(dictionary, 'limit');
  const { current, others } = resolveQuotas(limit === undefined ? [] : [{ quota: limit }], parseQuotaList(policyRaw));
  const drafts: PolicyDraft[] = [
    {
      limit: current.quota,
      remaining: dictionaryNumber(dictionary, 'remaining'),
      windowMs: current.windowMs,
      reset: deltaReset(dictionaryNumber(dictionary, 'reset'), context),
      semantics: 'window',
      dialect: 'ietf-07',
    },
  ];
  for (const entry of others) {
    drafts.push({ limit: entry.quota, windowMs: entry.windowMs, semantics: 'window', dialect: 'ietf-07' });
  }
  return drafts;
}

/** Which structured forms were present, so the split-header dialect knows what is left for it. */
export interface StructuredResult {
  readonly drafts: PolicyDraft[];
  /** `RateLimit-Policy` was consumed (as a draft-08 list or with a draft-07 dictionary). */
  readonly usedPolicyField: boolean;
}

/** Reads draft-08+ lists, else the draft-07 dictionary. Malformed fields are ignored. */
export function parseIetfStructured(context: DialectContext): StructuredResult {
  const raw = context.headers.get('ratelimit');
  const policyRaw = context.headers.get('ratelimit-policy');
  const policyItems = namedItems(tryList(policyRaw));
  const limitItems = namedItems(tryList(raw));
  if (policyItems !== undefined || limitItems !== undefined) {
    return { drafts: draft08(policyItems ?? [], limitItems ?? [], context), usedPolicyField: policyItems !== undefined };
  }
  const legacy = draft07(raw, policyRaw, context);
  return legacy === undefined ? { drafts: [], usedPolicyField: false } : { drafts: legacy, usedPolicyField: true };
}
