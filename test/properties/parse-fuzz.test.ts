/**
 * parseRateLimitHeaders against random and mutated headers: never throws, never names a retry
 * time absurdly far away, stays fast. Seeds from real dialect fixtures, then mutates them.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRateLimitHeaders } from '../../src/headers/parse-rate-limit-headers.ts';
import { params, timeoutFor } from './support/config.ts';

const NOW = Date.parse('2026-11-23T12:00:00.000Z');
/** The parser drops resets more than 400 days ahead; anything past this is a bug. */
const SANE_MS = 401 * 24 * 3_600_000;

const names = [
  'retry-after', 'retry-after-ms', 'date', 'age', 'ratelimit', 'ratelimit-policy', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset',
  'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-used', 'x-ratelimit-resource', 'x-ratelimit-reset-after',
  'x-ratelimit-bucket', 'x-ratelimit-scope', 'x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests', 'x-ratelimit-reset-requests',
  'x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens', 'x-ratelimit-reset-tokens', 'anthropic-ratelimit-requests-limit',
  'anthropic-ratelimit-requests-remaining', 'anthropic-ratelimit-requests-reset', 'x-rate-limit-limit', 'x-rate-limit-remaining',
  'x-rate-limit-reset', 'x-shopify-shop-api-call-limit', 'x-ms-ratelimit-remaining-subscription-reads', 'x-sentry-rate-limit-limit',
  'x-hubspot-ratelimit-max', 'x-hubspot-ratelimit-remaining', 'x-hubspot-ratelimit-interval-milliseconds',
];

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '1e308', '-0', '0x10', '9'.repeat(400), '1.', '.5', '1,2', ' 7 ', '١٢٣'),
  fc.bigInt().map(String),
);
const goDuration = fc.tuple(fc.nat(99_999), fc.constantFrom('h', 'm', 's', 'ms', 'us', 'ns', 'x', '')).map(([n, unit]) => `${n}${unit}`);
const ietf = fc.tuple(fc.string({ maxLength: 12 }), numberText, numberText, numberText).map(([name, q, w, t]) => `"${name}";q=${q};w=${w};r=${q};t=${t}`);
const httpDate = fc.date({ noInvalidDate: false }).map((date) => (Number.isNaN(date.getTime()) ? 'Invalid Date' : date.toUTCString()));
const value = fc.oneof(
  numberText,
  goDuration,
  ietf,
  httpDate,
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
  fc.integer({ min: 1, max: 3000 }).map((n) => Array.from({ length: n }, (_, i) => `"p${i}";q=${i};w=1`).join(', ')),
  fc.nat(12_000).map((n) => '9'.repeat(n)),
  fc.constant('x'.repeat(10_240)),
);

/** Header values as Headers would hold them (no CR/LF/NUL: those never reach a parser). */
const safe = (text: string): string => text.replace(/[\r\n\0]/g, ' ');

const headerSet = fc.dictionary(fc.oneof(fc.constantFrom(...names), fc.string({ minLength: 1, maxLength: 20 })), value, { maxKeys: 24 });

describe('parseRateLimitHeaders fuzz', () => {
  it(
    'never throws, returns sane retry times and policies, for plain records and fetch Headers',
    () => {
      fc.assert(
        fc.property(headerSet, fc.constantFrom(200, 403, 429, 503, undefined), fc.constantFrom(undefined, 'https://api.github.com/x', 'https://api.openai.com/v1', 'https://discord.com/api'), (record, status, url) => {
          const parsed = parseRateLimitHeaders(record, { now: NOW, status, url });
          const headers = new Headers();
          for (const [name, text] of Object.entries(record)) {
            try {
              headers.append(name, safe(text));
            } catch {
              // A name Headers refuses never reaches the parser in fetch.
            }
          }
          const fromHeaders = parseRateLimitHeaders(headers, { now: NOW, status, url });
          for (const result of [parsed, fromHeaders]) {
            expect(Array.isArray(result.policies)).toBe(true);
            expect(result.policies.length).toBeLessThanOrEqual(64 * 16);
            if (result.retryAt !== undefined) {
              expect(Number.isFinite(result.retryAt)).toBe(true);
              expect(result.retryAt - NOW).toBeLessThanOrEqual(SANE_MS);
            }
            for (const policy of result.policies) {
              for (const field of [policy.limit, policy.remaining, policy.windowMs, policy.resetAt]) if (field !== undefined) expect(Number.isFinite(field)).toBe(true);
              if (policy.resetAt !== undefined) expect(policy.resetAt - NOW).toBeLessThanOrEqual(SANE_MS);
            }
          }
        }),
        params(400),
      );
    },
    timeoutFor(400, 20),
  );

  it('thousands of policies and 10 kB values parse in bounded work (no quadratic blow-up)', () => {
    const policies = Array.from({ length: 5000 }, (_, i) => `"p${i}";q=${i + 1};w=60`).join(', ');
    const headers = { 'ratelimit-policy': policies, ratelimit: policies.replaceAll('q=', 'r=').replaceAll('w=', 't='), 'x-ratelimit-reset': '9'.repeat(10_240), 'retry-after': 'x'.repeat(10_240) };
    // Bounded by construction (at most 64 members per list): assert the bound, not a speed.
    const parsed = parseRateLimitHeaders(headers, { now: NOW, status: 429 });
    expect(parsed.policies.length).toBeLessThanOrEqual(64);
  });
});
