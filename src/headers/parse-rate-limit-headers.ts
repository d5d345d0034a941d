import type { Clock } from './clock.ts';
import { parseHttpDate, splitDateAwareList } from './dates.ts';
import type { DialectContext } from './dialects/context.ts';
import { DIALECTS, isRateLimitHeaderName } from './dialects/index.ts';
import { dialectForUrl } from './host-registry.ts';
import { MAX_POLICIES, SECOND_MS } from './limits.ts';
import { normalizeHeaders } from './normalize-headers.ts';
import type { NormalizedHeaders } from './normalize-headers.ts';
import { parseStrictNumber } from './numbers.ts';
import { buildPolicies, mergeDuplicatePolicies } from './policy.ts';
import type { PolicyDraft } from './policy.ts';
import { readRetrySignal } from './retry-after.ts';
import type { RetrySignal } from './retry-after.ts';
import type { HeadersLike, ParsedRateLimit, ParseRateLimitOptions, RateLimitPolicy } from './types.ts';

/** The server's clock from its `Date` header (the first of comma-joined duplicates). */
function readServerDate(headers: NormalizedHeaders, now: number): number | undefined {
  const raw = headers.get('date');
  if (raw === undefined) return undefined;
  const first = splitDateAwareList(raw)[0];
  return first === undefined ? undefined : parseHttpDate(first, now);
}

/**
 * The response's two clocks. A skew the caller learned over many responses beats this response's
 * `Date`, which has whole seconds only: converting a reset with it can put it up to a second late.
 */
function clockFor(headers: NormalizedHeaders, now: number, learnedSkewMs: number | undefined): Clock {
  if (typeof learnedSkewMs === 'number' && Number.isFinite(learnedSkewMs)) {
    return { now, serverDate: now - learnedSkewMs, serverDateSlackMs: 0 };
  }
  const serverDate = readServerDate(headers, now);
  return { now, serverDate, serverDateSlackMs: serverDate === undefined ? 0 : 1000 };
}

/** `Age > 0`: served from a cache, so its quota figures are stale (IETF draft §Caching). */
function isStale(headers: NormalizedHeaders): boolean {
  const raw = headers.get('age');
  if (raw === undefined) return false;
  const age = parseStrictNumber(raw.split(',', 1)[0] ?? '');
  return age !== undefined && age > 0;
}

function hasRateLimitHeader(headers: NormalizedHeaders): boolean {
  for (const name of headers.keys()) if (isRateLimitHeaderName(name)) return true;
  return false;
}

function collectPolicies(context: DialectContext): RateLimitPolicy[] {
  const drafts: PolicyDraft[] = [];
  for (const dialect of DIALECTS) {
    try {
      drafts.push(...dialect(context).slice(0, MAX_POLICIES));
    } catch {
      // A dialect that chokes on garbage is skipped; the others still count.
    }
  }
  return mergeDuplicatePolicies(buildPolicies(drafts));
}

/**
 * Discord API ≤ v7 sent `Retry-After` in milliseconds. Only when the response looks like that era
 * (a Discord bucket, no `X-RateLimit-Scope` or `-Reset-After`, which came later) and the bucket's
 * own reset agrees with the value read as ms (within 2 s) is it read as ms.
 */
function discordLegacyRetryAt(
  signal: RetrySignal,
  policies: readonly RateLimitPolicy[],
  headers: NormalizedHeaders,
  now: number,
): number | undefined {
  const delay = signal.delayValue;
  if (signal.source !== 'retry-after' || delay === undefined || delay < 1000) return undefined;
  if (headers.has('x-ratelimit-scope') || headers.has('x-ratelimit-reset-after')) return undefined;
  const bucket = policies.find((policy) => policy.dialect === 'discord' && policy.resetAt !== undefined);
  if (bucket?.resetAt === undefined) return undefined;
  return Math.abs(bucket.resetAt - now - delay) <= 2 * SECOND_MS ? Math.ceil(now + delay) : undefined;
}

/** The latest reset among exhausted policies (remaining below one unit). */
function latestExhaustedReset(policies: readonly RateLimitPolicy[]): number | undefined {
  let latest: number | undefined;
  for (const policy of policies) {
    if (policy.remaining === undefined || policy.remaining >= 1 || policy.resetAt === undefined) continue;
    if (latest === undefined || policy.resetAt > latest) latest = policy.resetAt;
  }
  return latest;
}

function computeRetryAt(
  policies: readonly RateLimitPolicy[],
  headers: NormalizedHeaders,
  clock: Clock,
  status: number | undefined,
): number | undefined {
  const signal = readRetrySignal(headers, clock);
  let retryAt = signal === undefined ? undefined : (discordLegacyRetryAt(signal, policies, headers, clock.now) ?? signal.retryAt);
  let derived = false;
  if (retryAt === undefined) {
    const exhausted = policies.some((policy) => policy.remaining !== undefined && policy.remaining < 1);
    if (status === 429 || (status === 403 && exhausted)) {
      retryAt = latestExhaustedReset(policies);
      derived = retryAt !== undefined;
    }
  }
  if (retryAt === undefined) return undefined;
  // `Retry-After: 0` on a 429 (npm) and Reddit's truncated `reset: 0` still fail when retried at once.
  if (status === 429 || status === 503 || derived) retryAt = Math.max(retryAt, Math.ceil(clock.now + SECOND_MS));
  return retryAt;
}

/**
 * Reads every rate-limit dialect a response may carry into one normalised shape.
 *
 * - **Dialects**: IETF `RateLimit` / `RateLimit-Policy` (draft-08+ lists, the draft-07 dictionary,
 *   the split `RateLimit-Limit/-Remaining/-Reset` of drafts ≤ -06), GitLab, Docker Hub, Heroku, the
 *   `X-RateLimit-*` / `X-Rate-Limit-*` families (GitHub, Discord, Reddit, Twitter/X, Okta, Zendesk,
 *   Kong, OpenAI/Groq, Linear, Brave, WHOOP, Mastodon, Atlassian), Anthropic, HubSpot, Sentry,
 *   Shopify/Gorgias/Salesforce counters, Zendesk endpoint limits, Azure Resource Manager, and
 *   `Retry-After` / `retry-after-ms`.
 * - **Resets** become epoch ms on the caller's clock. Absolute values (epoch seconds or ms,
 *   ISO 8601, HTTP-dates) are corrected by the response's `Date`: `now + (reset − Date)`; values
 *   more than a day in the past or 400 days ahead of the server's clock are dropped as implausible.
 *   Deltas (IETF `t`, Go durations, delta seconds) are `now + delta`.
 * - **`retryAt`** comes from `retry-after-ms`, else `Retry-After`, on any status; on a 429 without
 *   them (or a 403 with an exhausted policy, GitHub's primary limit) it is the latest reset among
 *   exhausted policies. On 429 and 503 it is at least one second away (`Retry-After: 0` still
 *   fails when retried at once). It is not capped: the caller decides how long is too long.
 * - **Cached responses** (`Age > 0`) report no policies, since their figures are stale; an explicit
 *   `Retry-After` on them is still honoured.
 *
 * Pure and total: no I/O, no timers, never throws. Values over 4096 characters are ignored and at
 * most 64 list members and 64 policies are considered, so hostile headers cost little.
 *
 * @param headers - A fetch `Headers` or a plain record such as Node's `IncomingHttpHeaders`.
 * @param options - `now` (the caller's clock, default `Date.now()`), the response `status`, and
 *   the request `url` (whose host selects vendor rules where a value's shape is ambiguous).
 * @returns Every policy the response reported, and when to retry if it said so.
 *
 * @example
 * ```ts
 * const { policies, retryAt } = parseRateLimitHeaders(response.headers, {
 *   now: Date.now(),
 *   status: response.status,
 *   url: request.url,
 * });
 * // RateLimit-Policy: "burst";q=100;w=60  +  RateLimit: "burst";r=0;t=30  on a 429
 * // policies: [{ name: 'burst', unit: 'requests', limit: 100, remaining: 0, windowMs: 60000,
 * //              resetAt: now + 30000, resetPrecisionMs: 1000, semantics: 'window', dialect: 'ietf-08' }]
 * // retryAt: now + 30000
 * ```
 *
 * @example
 * ```ts
 * parseRateLimitHeaders(
 *   { 'x-ratelimit-limit-tokens': '150000', 'x-ratelimit-remaining-tokens': '149984', 'x-ratelimit-reset-tokens': '6m0s' },
 *   { now: 0 },
 * );
 * // { policies: [{ name: 'tokens', unit: 'tokens', limit: 150000, remaining: 149984, resetAt: 360000,
 * //                resetPrecisionMs: 1000, semantics: 'refill', dialect: 'openai' }] }
 * ```
 */
export function parseRateLimitHeaders(headers: HeadersLike, options: ParseRateLimitOptions = {}): ParsedRateLimit {
  try {
    const now = typeof options.now === 'number' && Number.isFinite(options.now) ? options.now : Date.now();
    const status = typeof options.status === 'number' && Number.isFinite(options.status) ? options.status : undefined;
    const normalized = normalizeHeaders(headers);
    if (!hasRateLimitHeader(normalized)) return { policies: [] };
    const clock = clockFor(normalized, now, options.clockSkewMs);
    const context: DialectContext = { headers: normalized, clock, host: dialectForUrl(options.url) };
    const policies = isStale(normalized) ? [] : collectPolicies(context);
    const retryAt = computeRetryAt(policies, normalized, clock, status);
    return retryAt === undefined ? { policies } : { policies, retryAt };
  } catch {
    return { policies: [] };
  }
}
