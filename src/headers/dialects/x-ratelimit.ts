/**
 * The `X-RateLimit-*` / `X-Rate-Limit-*` families, one policy per group of names: GitHub
 * (`-resource`, `-used`), Discord (`-bucket`, `-reset-after`), Reddit (decimal `-remaining`, limit =
 * used + remaining), Twitter/X (+ `x-app-limit-24hour-*`), Okta, Zendesk (`X-Rate-Limit`), Kong
 * (`-minute`/`-hour` suffixes), OpenAI/Groq (`-requests`/`-tokens` suffixes, Go-duration resets),
 * Linear (`x-ratelimit-requests-*`), Brave (positional comma lists), WHOOP (`100, 100;window=60`),
 * Mastodon and Atlassian (ISO resets), Prisjakt (delta ms, by host).
 */

import { MAX_LIST_MEMBERS } from '../limits.ts';
import { minCount, parseStrictNumber, splitList } from '../numbers.ts';
import type { PolicyDraft } from '../policy.ts';
import { classifyResetList, latestReset } from '../reset-value.ts';
import type { ResetHint, ResetReading } from '../reset-value.ts';
import type { DialectContext } from './context.ts';
import { parseQuotaList, resolveQuotas } from './quota-list.ts';
import type { QuotaEntry } from './quota-list.ts';
import { parseWindowGroup, parseXHeaderName } from './x-ratelimit-names.ts';
import type { XField, XHeaderName } from './x-ratelimit-names.ts';

interface Group {
  readonly name: XHeaderName;
  readonly fields: Map<XField, { readonly header: string; readonly value: string }>;
}

/** How a group is read: everything but the numbers themselves. */
interface Reading {
  readonly name: string | undefined;
  readonly unit: string;
  readonly windowMs: number | undefined;
  readonly semantics: 'window' | 'refill';
  readonly dialect: string;
  readonly hint: ResetHint | undefined;
}

function collectGroups(context: DialectContext): Group[] {
  const groups = new Map<string, Group>();
  for (const [header, value] of context.headers) {
    if (!header.startsWith('x-')) continue;
    const name = parseXHeaderName(header);
    if (name === undefined) continue;
    const key = `${name.family}|${name.group}`;
    let group = groups.get(key);
    if (group === undefined) {
      if (groups.size >= MAX_LIST_MEMBERS) continue;
      group = { name, fields: new Map() };
      groups.set(key, group);
    }
    if (!group.fields.has(name.field)) group.fields.set(name.field, { header, value });
  }
  return [...groups.values()];
}

function baseReading(group: Group, context: DialectContext): Reading {
  const { fields } = group;
  const { host } = context;
  const bucket = fields.get('bucket')?.value;
  const resource = fields.get('resource')?.value;
  let dialect: string = group.name.family;
  let name: string | undefined;
  if (bucket !== undefined || host === 'discord') {
    dialect = 'discord';
    name = bucket;
  } else if (resource !== undefined || host === 'github') {
    dialect = 'github';
    name = resource;
  } else if (host === 'reddit' || (fields.has('used') && !fields.has('limit'))) {
    dialect = 'reddit';
  } else if (host === 'twitter') {
    dialect = 'twitter';
  } else if (host === 'openai') {
    dialect = 'openai';
  }
  return {
    name,
    unit: 'requests',
    windowMs: undefined,
    semantics: 'window',
    dialect,
    hint: host === 'prisjakt' ? 'delta-ms' : undefined,
  };
}

function groupReading(group: Group, context: DialectContext): Reading {
  if (group.name.form === 'base') return baseReading(group, context);
  const { family, group: label, form } = group.name;
  const windowGroup = parseWindowGroup(label);
  if (windowGroup !== undefined) {
    const twitter = form === 'prefix' && (windowGroup.prefix === 'app' || windowGroup.prefix === 'user');
    return {
      name: label,
      unit: twitter || windowGroup.prefix === undefined ? 'requests' : windowGroup.prefix,
      windowMs: windowGroup.windowMs,
      semantics: 'window',
      dialect: twitter ? 'twitter' : 'kong',
      hint: undefined,
    };
  }
  if (form === 'suffix' && (context.host === 'openai' || /^(?:requests|tokens)/.test(label))) {
    return {
      name: label,
      unit: label.includes('token') ? 'tokens' : label === 'requests' ? 'requests' : label,
      windowMs: undefined,
      semantics: 'refill',
      dialect: 'openai',
      hint: undefined,
    };
  }
  return { name: label, unit: label, windowMs: undefined, semantics: 'window', dialect: family, hint: undefined };
}

function positionalNumbers(raw: string | undefined): Array<number | undefined> {
  if (raw === undefined) return [];
  return splitList(raw).map((member) => parseStrictNumber(member.split(';', 1)[0] ?? ''));
}

/** Brave's comma lists (`X-RateLimit-Limit: 1, 15000`): one policy per position. */
function isPositional(limits: readonly QuotaEntry[], policies: readonly QuotaEntry[]): boolean {
  if (policies.length >= 2 && limits.length === policies.length) return true;
  return limits.length >= 2 && limits.every((entry) => entry.windowMs === undefined) && new Set(limits.map((entry) => entry.quota)).size > 1;
}

function positionalDrafts(group: Group, reading: Reading, limits: readonly QuotaEntry[], policies: readonly QuotaEntry[], context: DialectContext): PolicyDraft[] {
  const remaining = positionalNumbers(group.fields.get('remaining')?.value);
  const resetField = group.fields.get('reset');
  const resets: Array<ResetReading | undefined> =
    resetField === undefined ? [] : classifyResetList(resetField.value, context.clock, { hint: reading.hint, headerName: resetField.header });
  const count = Math.min(MAX_LIST_MEMBERS, Math.max(limits.length, policies.length));
  const drafts: PolicyDraft[] = [];
  for (let index = 0; index < count; index += 1) {
    drafts.push({
      name: reading.name,
      unit: reading.unit,
      limit: limits[index]?.quota ?? policies[index]?.quota,
      remaining: remaining[index],
      windowMs: policies[index]?.windowMs ?? limits[index]?.windowMs,
      reset: resets[index],
      semantics: reading.semantics,
      dialect: reading.dialect,
    });
  }
  return drafts;
}

function groupDrafts(group: Group, context: DialectContext): PolicyDraft[] {
  const reading = groupReading(group, context);
  const { fields } = group;
  const limits = parseQuotaList(fields.get('limit')?.value);
  const policies = parseQuotaList(fields.get('policy')?.value);
  if (isPositional(limits, policies)) return positionalDrafts(group, reading, limits, policies, context);

  const { current, others } = resolveQuotas(limits, policies);
  let limit = current.quota;
  let remaining = minCount(fields.get('remaining')?.value);
  const used = minCount(fields.get('used')?.value);
  if (used !== undefined && used >= 0) {
    // GitHub sends all three; Reddit has no limit header: limit = used + remaining.
    if (remaining === undefined && limit !== undefined && limit > 0) remaining = Math.max(0, limit - used);
    if (limit === undefined && remaining !== undefined && remaining >= 0) limit = used + remaining;
  }
  const windowMs = reading.windowMs ?? current.windowMs;

  // Discord's `Reset-After` is skew-free and unit-explicit: prefer it to the epoch `Reset`.
  const resetField = fields.get('reset');
  const reset =
    latestReset(fields.get('reset-after')?.value, context.clock, { hint: 'delta-seconds' }) ??
    latestReset(resetField?.value, context.clock, { hint: reading.hint, headerName: resetField?.header, windowMs });

  const drafts: PolicyDraft[] = [
    { name: reading.name, unit: reading.unit, limit, remaining, windowMs, reset, semantics: reading.semantics, dialect: reading.dialect },
  ];
  for (const entry of others) {
    drafts.push({ unit: reading.unit, limit: entry.quota, windowMs: entry.windowMs, semantics: reading.semantics, dialect: reading.dialect });
  }
  return drafts;
}

/** Reads every `X-RateLimit-*` / `X-Rate-Limit-*` group of the response. */
export function parseXRateLimit(context: DialectContext): PolicyDraft[] {
  const drafts: PolicyDraft[] = [];
  for (const group of collectGroups(context)) {
    try {
      drafts.push(...groupDrafts(group, context));
    } catch {
      // One malformed group does not hide the others.
    }
  }
  return drafts;
}
