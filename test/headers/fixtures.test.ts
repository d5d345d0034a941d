import { describe, expect, test } from 'vitest';
import { parseRateLimitHeaders } from '../../src/headers/parse-rate-limit-headers.ts';
import type { ParsedRateLimit } from '../../src/headers/types.ts';
import { FIXTURES } from './fixtures.ts';
import type { ExpectedReading, HeaderFixture } from './fixtures.ts';

type RecordHeaders = Record<string, string | readonly string[]>;

function lowercased(headers: HeaderFixture['headers']): RecordHeaders {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

function uppercased(headers: HeaderFixture['headers']): RecordHeaders {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toUpperCase(), value]));
}

function fetchHeaders(headers: HeaderFixture['headers']): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    for (const line of typeof value === 'string' ? [value] : value) result.append(name, line);
  }
  return result;
}

function parse(fixture: HeaderFixture, headers: RecordHeaders | Headers): ParsedRateLimit {
  return parseRateLimitHeaders(headers, { now: fixture.now, status: fixture.status, url: fixture.url });
}

function assertReading(result: ParsedRateLimit, expected: ExpectedReading): void {
  expect(result.policies).toHaveLength(expected.policies.length);
  expected.policies.forEach((policy, index) => {
    const actual = result.policies[index];
    // `toMatchObject` cannot say "absent": an `undefined` in the expectation means exactly that.
    const present = Object.fromEntries(Object.entries(policy).filter(([, value]) => value !== undefined));
    expect(actual).toMatchObject(present);
    for (const [key, value] of Object.entries(policy)) {
      if (value === undefined) expect(actual, `${key} should be absent`).not.toHaveProperty(key);
    }
  });
  expect(result.retryAt).toBe(expected.retryAt);
}

const withExpectation = FIXTURES.filter((fixture) => fixture.expected !== undefined);

describe('§6 fixtures: the stated reading', () => {
  test.each(withExpectation.map((fixture) => [fixture.id, fixture.title, fixture] as const))('%s %s (as captured)', (_id, _title, fixture) => {
    assertReading(parse(fixture, { ...fixture.headers }), fixture.expected as ExpectedReading);
  });

  test.each(withExpectation.map((fixture) => [fixture.id, fixture] as const))('%s in lowercase (HTTP/2) names', (_id, fixture) => {
    assertReading(parse(fixture, lowercased(fixture.headers)), fixture.expected as ExpectedReading);
  });

  test.each(withExpectation.map((fixture) => [fixture.id, fixture] as const))('%s in UPPERCASE names', (_id, fixture) => {
    assertReading(parse(fixture, uppercased(fixture.headers)), fixture.expected as ExpectedReading);
  });

  test.each(withExpectation.map((fixture) => [fixture.id, fixture] as const))('%s through a fetch Headers object', (_id, fixture) => {
    assertReading(parse(fixture, fetchHeaders(fixture.headers)), fixture.expected as ExpectedReading);
  });
});

describe('§6 fixtures: cached copies (Age: 5)', () => {
  test.each(FIXTURES.map((fixture) => [fixture.id, fixture] as const))('%s reports no policies when served with Age: 5', (_id, fixture) => {
    const result = parse(fixture, { ...fixture.headers, Age: '5' });
    expect(result.policies).toEqual([]);
    const hasRetryAfter = Object.keys(fixture.headers).some((name) => name.toLowerCase() === 'retry-after');
    // An explicit Retry-After is an instruction, not quota state: it survives; derived waits do not.
    expect(result.retryAt !== undefined).toBe(hasRetryAfter);
  });

  test.each(FIXTURES.map((fixture) => [fixture.id, fixture] as const))('%s is read normally with Age: 0', (_id, fixture) => {
    expect(parse(fixture, { ...fixture.headers, Age: '0' })).toEqual(parse(fixture, { ...fixture.headers }));
  });
});

describe('§6 fixtures: never throw', () => {
  const statuses = [undefined, 200, 301, 403, 429, 503, 529];
  test.each(FIXTURES.map((fixture) => [fixture.id, fixture] as const))('%s parses under every status, at any clock', (_id, fixture) => {
    for (const status of statuses) {
      for (const now of [fixture.now, 0, Date.UTC(2030, 0, 1), Number.NaN]) {
        const result = parseRateLimitHeaders(fixture.headers, { now, status, url: fixture.url });
        expect(Array.isArray(result.policies)).toBe(true);
        for (const policy of result.policies) {
          for (const value of [policy.limit, policy.remaining, policy.windowMs, policy.resetAt]) {
            if (value !== undefined) expect(Number.isFinite(value)).toBe(true);
          }
        }
      }
    }
  });

  test('every fixture is covered', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(45);
    expect(new Set(FIXTURES.map((fixture) => fixture.id)).size).toBe(FIXTURES.length);
  });
});
