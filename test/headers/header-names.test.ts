/**
 * The parser skips a response none of whose header names can carry a rate limit
 * (`isRateLimitHeaderName`). This checks that rule against every dialect and retry signal on every
 * §6 fixture: with the names it admits removed, nothing is left for any of them to read.
 */
import { describe, expect, test } from 'vitest';
import { DIALECTS, isRateLimitHeaderName } from '../../src/headers/dialects/index.ts';
import { normalizeHeaders } from '../../src/headers/normalize-headers.ts';
import { parseRateLimitHeaders } from '../../src/headers/parse-rate-limit-headers.ts';
import { buildPolicies, type PolicyDraft } from '../../src/headers/policy.ts';
import { readRetrySignal } from '../../src/headers/retry-after.ts';
import { dialectForUrl } from '../../src/headers/host-registry.ts';
import { FIXTURES } from './fixtures.ts';

describe('isRateLimitHeaderName: the names the parser reads', () => {
  test.each(FIXTURES.map((fixture) => [fixture.id, fixture] as const))('%s: without the names it admits, no dialect or retry signal finds anything', (_id, fixture) => {
    const all = normalizeHeaders(fixture.headers);
    const rest = new Map([...all].filter(([name]) => !isRateLimitHeaderName(name)));
    for (const clock of [
      { now: fixture.now, serverDate: undefined, serverDateSlackMs: 0 },
      { now: fixture.now, serverDate: fixture.now - 5000, serverDateSlackMs: 1000 },
    ]) {
      for (const dialect of DIALECTS) {
        let drafts: PolicyDraft[] = [];
        try {
          drafts = dialect({ headers: rest, clock, host: dialectForUrl(fixture.url) });
        } catch {
          drafts = [];
        }
        // Dialects draft a policy per family member they look for; empty ones are dropped when built.
        expect(buildPolicies(drafts), dialect.name).toEqual([]);
      }
      expect(readRetrySignal(rest, clock)).toBeUndefined();
    }
  });

  test('every header the fixtures carry that a dialect reads is admitted', () => {
    for (const fixture of FIXTURES) {
      for (const [name, value] of normalizeHeaders(fixture.headers)) {
        const alone = new Map([[name, value]]);
        const clock = { now: fixture.now, serverDate: undefined, serverDateSlackMs: 0 };
        const found =
          DIALECTS.some((dialect) => {
            try {
              return buildPolicies(dialect({ headers: alone, clock, host: dialectForUrl(fixture.url) })).length > 0;
            } catch {
              return false;
            }
          }) || readRetrySignal(alone, clock) !== undefined;
        if (found) expect(isRateLimitHeaderName(name), `${fixture.id}: ${name}`).toBe(true);
      }
    }
  });

  test('a response with no rate-limit names parses to nothing, whatever its Date, Age or status', () => {
    const headers = new Headers({ 'content-type': 'application/json', date: 'Mon, 23 Nov 2026 12:00:00 GMT', age: '0', etag: '"x"' });
    expect(parseRateLimitHeaders(headers, { now: Date.UTC(2026, 10, 23, 12), status: 429 })).toEqual({ policies: [] });
    expect(parseRateLimitHeaders({}, { status: 200 })).toEqual({ policies: [] });
  });

  test('names of every family are admitted', () => {
    for (const name of [
      'ratelimit', 'ratelimit-policy', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset', 'ratelimit-observed', 'ratelimit-name',
      'ratelimit-resettime', 'x-ratelimit-limit', 'x-rate-limit-reset', 'x-app-limit-24hour-remaining', 'x-user-limit-24hour-reset',
      'x-ratelimit-requests-remaining', 'x-ratelimit-next', 'x-ratelimit-retry-after', 'anthropic-ratelimit-tokens-remaining',
      'anthropic-priority-input-tokens-remaining', 'anthropic-ratelimit-unified-5h-status', 'x-hubspot-ratelimit-secondly-remaining',
      'x-sentry-rate-limit-remaining', 'x-shopify-shop-api-call-limit', 'sforce-limit-info', 'zendesk-ratelimit-tickets-index',
      'x-ms-ratelimit-remaining-subscription-reads', 'retry-after', 'retry-after-ms',
    ]) {
      expect(isRateLimitHeaderName(name), name).toBe(true);
    }
  });
});
