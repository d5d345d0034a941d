/** Helpers that build, clean and de-duplicate {@link RateLimitPolicy} values. */

import { MAX_POLICIES } from './limits.ts';
import type { ResetReading } from './reset-value.ts';
import type { RateLimitPolicy } from './types.ts';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** The fields a dialect fills in; `undefined` fields are dropped from the result. */
export interface PolicyDraft {
  name?: string | undefined;
  unit?: string | undefined;
  limit?: number | undefined;
  remaining?: number | undefined;
  windowMs?: number | undefined;
  reset?: ResetReading | undefined;
  semantics: NonNullable<RateLimitPolicy['semantics']>;
  partitionKey?: string | undefined;
  dialect: string;
}

function nonNegative(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/**
 * Turns a draft into a policy: negative and non-finite numbers are dropped (the `-1` sentinel), a
 * limit of 0 or below is a sentinel (Azure OpenAI) and takes a 0 `remaining` with it, and a draft that
 * says nothing (no limit, remaining, window or reset) gives `undefined`.
 */
export function buildPolicy(draft: PolicyDraft): RateLimitPolicy | undefined {
  let limit = nonNegative(draft.limit);
  let remaining = nonNegative(draft.remaining);
  if (draft.limit !== undefined && !(draft.limit > 0)) {
    // `limit: -1` or `0` beside `remaining: 0` is a "no data" sentinel pair, not an exhausted quota.
    limit = undefined;
    if (remaining === 0) remaining = undefined;
  }
  const windowMs = nonNegative(draft.windowMs) || undefined;
  if (limit === undefined && remaining === undefined && windowMs === undefined && draft.reset === undefined) {
    return undefined;
  }
  const policy: Writable<RateLimitPolicy> = {};
  if (draft.name !== undefined && draft.name.length > 0) policy.name = draft.name;
  policy.unit = draft.unit ?? 'requests';
  if (limit !== undefined) policy.limit = limit;
  if (remaining !== undefined) policy.remaining = remaining;
  if (windowMs !== undefined) policy.windowMs = windowMs;
  if (draft.reset !== undefined) {
    policy.resetAt = draft.reset.resetAt;
    policy.resetPrecisionMs = draft.reset.precisionMs;
  }
  policy.semantics = draft.semantics;
  if (draft.partitionKey !== undefined) policy.partitionKey = draft.partitionKey;
  policy.dialect = draft.dialect;
  return policy;
}

/** Builds every draft, dropping the empty ones. */
export function buildPolicies(drafts: readonly PolicyDraft[]): RateLimitPolicy[] {
  const policies: RateLimitPolicy[] = [];
  for (const draft of drafts) {
    const policy = buildPolicy(draft);
    if (policy !== undefined) policies.push(policy);
  }
  return policies;
}

function compatible<T>(left: T | undefined, right: T | undefined): boolean {
  return left === undefined || right === undefined || left === right;
}

const IETF_FIELD_DIALECTS = new Set(['ietf-06', 'ietf-07', 'ietf-08', 'gitlab', 'docker', 'heroku']);

function sameQuota(left: RateLimitPolicy, right: RateLimitPolicy): boolean {
  return (
    // Only a mirror across header families (IETF fields vs a vendor's) is the same quota twice:
    // Twitter's 15-minute and 24-hour families may well show the same figures.
    IETF_FIELD_DIALECTS.has(left.dialect ?? '') !== IETF_FIELD_DIALECTS.has(right.dialect ?? '') &&
    left.limit !== undefined &&
    left.remaining !== undefined &&
    left.limit === right.limit &&
    left.remaining === right.remaining &&
    left.unit === right.unit &&
    compatible(left.name, right.name) &&
    compatible(left.windowMs, right.windowMs) &&
    compatible(left.partitionKey, right.partitionKey)
  );
}

function merge(first: RateLimitPolicy, second: RateLimitPolicy): RateLimitPolicy {
  // The named one is the more specific reading (Kong's `minute` over its unnamed mirror).
  const [into, from] = first.name === undefined && second.name !== undefined ? [second, first] : [first, second];
  const merged: Writable<RateLimitPolicy> = { ...from, ...into };
  if (into.resetAt !== undefined && from.resetAt !== undefined && from.resetAt > into.resetAt) {
    merged.resetAt = from.resetAt;
    if (from.resetPrecisionMs !== undefined) merged.resetPrecisionMs = from.resetPrecisionMs;
  }
  return merged;
}

/**
 * Merges policies that report the same quota twice, once in IETF fields and once in a vendor's,
 * e.g. Kong's `X-RateLimit-*-Minute` and its `RateLimit-*` mirror, or Zendesk's `X-Rate-Limit` and
 * `ratelimit-*`: same unit, limit and remaining, and no conflicting name, window or partition.
 * The named one (else the first) keeps its fields and gains the other's (the later reset when both
 * have one), at the first one's position.
 * The result holds at most {@link MAX_POLICIES} policies.
 */
export function mergeDuplicatePolicies(policies: readonly RateLimitPolicy[]): RateLimitPolicy[] {
  const result: RateLimitPolicy[] = [];
  for (const policy of policies) {
    const index = result.findIndex((existing) => sameQuota(existing, policy));
    const existing = index === -1 ? undefined : result[index];
    if (existing === undefined) {
      if (result.length < MAX_POLICIES) result.push(policy);
    } else {
      result[index] = merge(existing, policy);
    }
  }
  return result;
}
