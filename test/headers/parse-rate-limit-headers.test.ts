import { describe, expect, test } from 'vitest';
import { parseRateLimitHeaders } from '../../src/headers/parse-rate-limit-headers.ts';
import type { HeadersLike, ParsedRateLimit, ParseRateLimitOptions } from '../../src/headers/types.ts';

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const NOW_S = NOW / 1000;
const HTTP_NOW = 'Wed, 15 Jan 2025 12:00:00 GMT';

function parse(headers: HeadersLike, options: ParseRateLimitOptions = {}): ParsedRateLimit {
  return parseRateLimitHeaders(headers, { now: NOW, ...options });
}

describe('header shapes', () => {
  test('a fetch Headers and a plain record give the same reading', () => {
    const record = { 'X-RateLimit-Limit': '60', 'X-RateLimit-Remaining': '59', 'X-RateLimit-Reset': String(NOW_S + 60) };
    expect(parse(new Headers(record))).toEqual(parse(record));
    expect(parse(record).policies[0]).toMatchObject({ limit: 60, remaining: 59, resetAt: NOW + 60_000 });
  });

  test('two spellings of one name in a record are duplicates (min remaining)', () => {
    expect(parse({ 'X-RateLimit-Remaining': '5', 'x-ratelimit-remaining': '3' }).policies[0]?.remaining).toBe(3);
  });

  test("Node's array values are repeated fields", () => {
    const result = parse({ 'x-ratelimit-remaining': ['60', '4999'], 'x-ratelimit-reset': ['10', '20'] });
    expect(result.policies[0]).toMatchObject({ remaining: 60, resetAt: NOW + 20_000 });
  });

  test('fetch joins repeated fields; the min remaining and max reset win', () => {
    const headers = new Headers();
    headers.append('X-RateLimit-Remaining', '4999');
    headers.append('X-RateLimit-Remaining', '60');
    headers.append('X-RateLimit-Reset', String(NOW_S + 100));
    headers.append('X-RateLimit-Reset', String(NOW_S + 30));
    expect(parse(headers).policies[0]).toMatchObject({ remaining: 60, resetAt: NOW + 100_000 });
  });

  test('numeric record values are read', () => {
    expect(parse({ 'x-ratelimit-limit': 100, 'x-ratelimit-remaining': 0 }).policies[0]).toMatchObject({ limit: 100, remaining: 0 });
  });

  test('null, undefined and non-string array members are skipped', () => {
    expect(parse({ 'x-ratelimit-limit': null, 'x-ratelimit-remaining': undefined }).policies).toEqual([]);
    const mixed = { 'x-ratelimit-remaining': [7, '8'] } as unknown as HeadersLike;
    expect(parse(mixed).policies[0]?.remaining).toBe(8);
  });

  test('no headers at all', () => {
    expect(parse({})).toEqual({ policies: [] });
    expect(parse(new Headers())).toEqual({ policies: [] });
  });
});

describe('robustness: never throws, stays bounded', () => {
  const garbage = [
    '',
    ' ',
    ',',
    ',,,',
    'NaN',
    '-NaN',
    'Infinity',
    '-Infinity',
    '-1',
    '-0',
    '1e309',
    '9'.repeat(400),
    '0x10',
    'null',
    'undefined',
    '[object Object]',
    '"',
    '"unterminated',
    ';;;',
    '=;=',
    '(((',
    ':::',
    '\u0000\u0001',
    'é€😀',
    '10/0',
    '/',
    '1/',
    'Tue, 99 Foo 9999 99:99:99 GMT',
    '2025-99-99T99:99Z',
    '99999h99999m',
    'total=; remaining=; resets=',
    '"a";r=-1;t=-5',
    '"a";q=1e3',
    'limit=-5, remaining=abc, reset=?1',
  ];
  const names = [
    'ratelimit',
    'ratelimit-policy',
    'ratelimit-limit',
    'ratelimit-remaining',
    'ratelimit-reset',
    'ratelimit-observed',
    'x-ratelimit-limit',
    'x-ratelimit-remaining',
    'x-ratelimit-reset',
    'x-ratelimit-reset-after',
    'x-ratelimit-used',
    'x-ratelimit-policy',
    'x-rate-limit-reset',
    'x-ratelimit-reset-tokens',
    'x-ratelimit-limit-minute',
    'anthropic-ratelimit-requests-reset',
    'anthropic-ratelimit-unified-5h-reset',
    'x-hubspot-ratelimit-interval-milliseconds',
    'x-sentry-rate-limit-reset',
    'x-shopify-shop-api-call-limit',
    'zendesk-ratelimit-x',
    'x-ms-ratelimit-remaining-resource',
    'sforce-limit-info',
    'retry-after',
    'retry-after-ms',
    'x-ratelimit-retry-after',
    'x-ratelimit-next',
    'date',
    'age',
  ];

  test.each(garbage.map((value) => [value] as const))('garbage %j in every known header', (value) => {
    const headers = Object.fromEntries(names.map((name) => [name, value]));
    for (const status of [200, 403, 429, 503]) {
      const result = parse(headers, { status });
      for (const policy of result.policies) {
        for (const number of [policy.limit, policy.remaining, policy.windowMs, policy.resetAt]) {
          if (number !== undefined) {
            expect(Number.isFinite(number)).toBe(true);
            expect(number).toBeGreaterThanOrEqual(0);
          }
        }
      }
      if (result.retryAt !== undefined) expect(Number.isFinite(result.retryAt)).toBe(true);
    }
  });

  test('seeded random bytes never throw', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const alphabet = '0123456789.,;:="- ()?*@%abcdefhmstwqrTGMZ/\\\t';
    for (let run = 0; run < 200; run += 1) {
      const headers: Record<string, string> = {};
      for (const name of names) {
        let value = '';
        const length = Math.floor(random() * 40);
        for (let index = 0; index < length; index += 1) value += alphabet[Math.floor(random() * alphabet.length)] ?? '';
        headers[name] = value;
      }
      expect(() => parse(headers, { status: 429 })).not.toThrow();
    }
  });

  test('a 10 kB value is ignored', () => {
    const huge = `${'9'.repeat(10_240)}`;
    expect(parse({ 'x-ratelimit-remaining': huge, 'x-ratelimit-limit': '10' }).policies).toEqual([
      expect.objectContaining({ limit: 10 }),
    ]);
    expect(parse({ 'retry-after': huge }, { status: 200 }).retryAt).toBeUndefined();
  });

  test('a 10,000-member list costs little and yields at most 64 policies', () => {
    const many = Array.from({ length: 10_000 }, (_, index) => `"p${index}";r=1;t=1`).join(', ');
    expect(parse({ ratelimit: many }).policies).toEqual([]);
    const short = Array.from({ length: 300 }, (_, index) => `"p${index}";r=1`).join(',');
    expect(short.length).toBeLessThan(4096);
    expect(parse({ ratelimit: short }).policies.length).toBeLessThanOrEqual(64);
    const groups = Object.fromEntries(Array.from({ length: 200 }, (_, index) => [`x-ratelimit-limit-g${index}`, '5']));
    expect(parse(groups).policies.length).toBeLessThanOrEqual(64);
  });

  test('a 10,000-member comma list is capped', () => {
    const list = Array.from({ length: 10_000 }, () => '1').join(',');
    expect(list.length).toBeGreaterThan(4096);
    const capped = Array.from({ length: 2000 }, (_, index) => String(index + 1)).join(',').slice(0, 4000);
    const result = parse({ 'x-ratelimit-limit': capped, 'x-ratelimit-remaining': capped });
    expect(result.policies.length).toBeLessThanOrEqual(64);
  });

  test('a hostile headers object does not throw', () => {
    const hostile = new Proxy({} as Record<string, string>, {
      ownKeys: () => {
        throw new Error('boom');
      },
    });
    expect(parse(hostile)).toEqual({ policies: [] });
    const getter = Object.defineProperty({}, 'retry-after', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    }) as HeadersLike;
    expect(parse(getter)).toEqual({ policies: [] });
  });

  test('non-object inputs and bad options do not throw', () => {
    expect(parseRateLimitHeaders(null as unknown as HeadersLike)).toEqual({ policies: [] });
    expect(parseRateLimitHeaders('x' as unknown as HeadersLike)).toEqual({ policies: [] });
    const result = parseRateLimitHeaders({ 'retry-after': '1' }, { now: Number.NaN, status: Number.NaN, url: 'not a url' });
    expect(Number.isFinite(result.retryAt)).toBe(true);
  });

  test('now defaults to Date.now()', () => {
    const before = Date.now();
    const retryAt = parseRateLimitHeaders({ 'retry-after': '10' }).retryAt ?? 0;
    expect(retryAt).toBeGreaterThanOrEqual(before + 10_000);
    expect(retryAt).toBeLessThanOrEqual(Date.now() + 10_000);
  });

  test('sentinels: negative counts are dropped, a zero limit is no quota (Azure OpenAI)', () => {
    expect(parse({ 'x-ratelimit-limit-requests': '-1', 'x-ratelimit-remaining-requests': '0' }).policies).toEqual([]);
    expect(parse({ 'x-ratelimit-limit-requests': '0', 'x-ratelimit-remaining-requests': '0' }).policies).toEqual([]);
    expect(parse({ 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '-1' }).policies[0]).not.toHaveProperty('remaining');
  });
});

describe('Retry-After and retry-after-ms', () => {
  test.each([
    [{ 'retry-after': '120' }, 200, NOW + 120_000],
    [{ 'retry-after': '2.0' }, 429, NOW + 2000],
    [{ 'retry-after': '0.5' }, 200, NOW + 500],
    [{ 'retry-after': '0' }, 200, NOW],
    [{ 'retry-after': '0' }, 429, NOW + 1000],
    [{ 'retry-after': '0' }, 503, NOW + 1000],
    [{ 'retry-after': '0.2' }, 429, NOW + 1000],
    [{ 'retry-after': '30' }, 301, NOW + 30_000],
    [{ 'retry-after-ms': '1500' }, 200, NOW + 1500],
    [{ 'retry-after-ms': '1500.4' }, 200, NOW + 1501],
    [{ 'retry-after-ms': '20' }, 429, NOW + 1000],
    [{ 'retry-after-ms': '2500', 'retry-after': '60' }, 429, NOW + 2500],
    [{ 'retry-after-ms': 'soon', 'retry-after': '60' }, 429, NOW + 60_000],
    [{ 'retry-after': 'Wed, 15 Jan 2025 12:00:45 GMT' }, 429, NOW + 45_000],
    [{ 'retry-after': 'Wednesday, 15-Jan-25 12:00:45 GMT' }, 429, NOW + 45_000],
    [{ 'retry-after': 'Wed Jan 15 12:00:45 2025' }, 429, NOW + 45_000],
    [{ 'retry-after': 'Wed, 15 Jan 2025 11:00:00 GMT' }, 200, NOW],
    [{ 'retry-after': '30, 60' }, 429, NOW + 60_000],
    [{ 'retry-after': 'Wed, 15 Jan 2025 12:00:45 GMT, Wed, 15 Jan 2025 12:01:00 GMT' }, 429, NOW + 60_000],
    [{ 'x-ratelimit-retry-after': '7' }, 200, NOW + 7000],
    [{ 'x-ratelimit-next': '2025-01-15T12:00:09Z' }, 200, NOW + 9000],
    // 1,000 days: clamped to the 400-day horizon (still past any cap: the client rejects).
    [{ 'retry-after': '86400000' }, 429, NOW + 400 * 86_400_000],
  ])('%j on %d', (headers, status, retryAt) => {
    expect(parse(headers, { status }).retryAt).toBe(retryAt);
  });

  test.each([['-5'], ['NaN'], ['soon'], ['1e3'], ['Infinity'], ['']])('Retry-After %j is ignored', (value) => {
    expect(parse({ 'retry-after': value }, { status: 200 }).retryAt).toBeUndefined();
    expect(parse({ 'retry-after-ms': value }, { status: 200 }).retryAt).toBeUndefined();
  });

  test('an HTTP-date Retry-After is corrected by the server Date', () => {
    const result = parse({ date: 'Wed, 15 Jan 2025 13:00:00 GMT', 'retry-after': 'Wed, 15 Jan 2025 13:00:30 GMT' }, { status: 503 });
    expect(result.retryAt).toBe(NOW + 30_000);
  });

  test('Retry-After takes precedence over the IETF t (draft-10)', () => {
    const result = parse({ ratelimit: '"default";r=0;t=10', 'retry-after': '25' }, { status: 429 });
    expect(result.retryAt).toBe(NOW + 25_000);
    expect(result.policies[0]?.resetAt).toBe(NOW + 10_000);
  });
});

describe('retryAt derived from exhausted policies', () => {
  test('429 without Retry-After: the latest reset among exhausted policies', () => {
    const headers = {
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': '2s',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '0',
      'x-ratelimit-reset-tokens': '6s',
      'x-ratelimit-limit-tokens_usage_based': '1000',
      'x-ratelimit-remaining-tokens_usage_based': '500',
      'x-ratelimit-reset-tokens_usage_based': '60s',
    };
    expect(parse(headers, { status: 429 }).retryAt).toBe(NOW + 6000);
    expect(parse(headers, { status: 200 }).retryAt).toBeUndefined();
  });

  test('a 403 with GitHub remaining 0 waits for the reset; with remaining left it does not', () => {
    const github = {
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-used': '5000',
      'x-ratelimit-resource': 'core',
      'x-ratelimit-reset': String(NOW_S + 1800),
    };
    expect(parse(github, { status: 403 }).retryAt).toBe(NOW + 1_800_000);
    expect(parse({ ...github, 'x-ratelimit-remaining': '14' }, { status: 403 }).retryAt).toBeUndefined();
    expect(parse(github, { status: 200 }).retryAt).toBeUndefined();
  });

  test("Reddit's truncated reset of 0 on a 429 still waits a second", () => {
    const reddit = { 'x-ratelimit-used': '1000', 'x-ratelimit-remaining': '0.0', 'x-ratelimit-reset': '0' };
    expect(parse(reddit, { status: 429 }).retryAt).toBe(NOW + 1000);
  });

  test('a 429 that says nothing has no retryAt (the client backs off)', () => {
    expect(parse({}, { status: 429 }).retryAt).toBeUndefined();
    expect(parse({ 'x-ratelimit-remaining': '0' }, { status: 429 }).retryAt).toBeUndefined();
  });

  test('retryAt is not capped', () => {
    expect(parse({ ratelimit: '"daily";r=0;t=86400' }, { status: 429 }).retryAt).toBe(NOW + 86_400_000);
  });
});

describe('Age: cached responses', () => {
  const quota = { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(NOW_S + 30) };

  test('Age > 0 drops the policies and the waits derived from them', () => {
    expect(parse({ ...quota, age: '5' }, { status: 429 })).toEqual({ policies: [] });
  });

  test('an explicit Retry-After on a cached response is still honoured', () => {
    expect(parse({ ...quota, age: '5', 'retry-after': '10' }, { status: 429 })).toEqual({ policies: [], retryAt: NOW + 10_000 });
  });

  test.each([['0'], ['abc'], ['-3']])('Age %j is not stale', (age) => {
    expect(parse({ ...quota, age }).policies).toHaveLength(1);
  });
});

describe('Date header: clock skew', () => {
  test('an epoch reset is moved onto the caller clock (server 10 min behind)', () => {
    const serverNow = NOW - 600_000;
    const headers = {
      date: new Date(serverNow).toUTCString(),
      'x-ratelimit-limit': '5000',
      'x-ratelimit-remaining': '10',
      'x-ratelimit-reset': String(serverNow / 1000 + 60),
    };
    expect(parse(headers).policies[0]?.resetAt).toBe(NOW + 60_000);
    // Without Date the same epoch is 9 minutes in the past: unknown clocks agree, so it is "now".
    const { date: _date, ...withoutDate } = headers;
    expect(parse(withoutDate).policies[0]?.resetAt).toBe(NOW);
  });

  test('ISO, epoch-ms and HTTP-date resets are corrected too; deltas are not', () => {
    const headers = {
      date: 'Wed, 15 Jan 2025 14:00:00 GMT',
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '49',
      'anthropic-ratelimit-requests-reset': '2025-01-15T14:00:05Z',
      'x-ratelimit-requests-limit': '5000',
      'x-ratelimit-requests-reset': String(Date.UTC(2025, 0, 15, 14, 0, 7)),
      'ratelimit-limit': '10',
      'ratelimit-resettime': 'Wed, 15 Jan 2025 14:00:09 GMT',
      'ratelimit-name': 'throttle',
      'x-ratelimit-reset-tokens': '3s',
      'x-ratelimit-limit-tokens': '100',
    };
    const byName = new Map(parse(headers).policies.map((policy) => [policy.name, policy.resetAt]));
    expect(byName.get('requests')).toBe(NOW + 5000);
    expect(byName.get('throttle')).toBe(NOW + 9000);
    expect(byName.get('tokens')).toBe(NOW + 3000);
    expect(parse(headers).policies.find((policy) => policy.limit === 5000)?.resetAt).toBe(NOW + 7000);
  });

  test('a garbage Date is ignored', () => {
    const headers = { date: 'yesterday', 'x-ratelimit-limit': '1', 'x-ratelimit-reset': String(NOW_S + 30) };
    expect(parse(headers).policies[0]?.resetAt).toBe(NOW + 30_000);
  });

  test('implausible epochs are unknown: far past, far future', () => {
    expect(parse({ 'x-ratelimit-limit': '1', 'x-ratelimit-reset': String(NOW_S - 2 * 86_400) }).policies[0]).not.toHaveProperty('resetAt');
    expect(parse({ 'x-ratelimit-limit': '1', 'x-ratelimit-reset': String(NOW_S + 500 * 86_400) }).policies[0]).not.toHaveProperty('resetAt');
  });
});

describe('vendor dialects', () => {
  test('GitHub: resource names the policy; used fills a missing remaining', () => {
    const result = parse({
      'x-ratelimit-limit': '5000',
      'x-ratelimit-used': '1',
      'x-ratelimit-resource': 'core',
      'x-ratelimit-reset': String(NOW_S + 3600),
    });
    expect(result.policies).toEqual([
      {
        name: 'core',
        unit: 'requests',
        limit: 5000,
        remaining: 4999,
        resetAt: NOW + 3_600_000,
        resetPrecisionMs: 1000,
        semantics: 'window',
        dialect: 'github',
      },
    ]);
  });

  test('the host registry picks the dialect when names do not', () => {
    const headers = { 'x-ratelimit-limit': '60', 'x-ratelimit-remaining': '59' };
    expect(parse(headers, { url: 'https://api.github.com/repos/a/b' }).policies[0]?.dialect).toBe('github');
    expect(parse(headers, { url: new URL('https://discord.com/api/v10/channels/1') }).policies[0]?.dialect).toBe('discord');
    expect(parse(headers, { url: 'https://oauth.reddit.com/api/v1/me' }).policies[0]?.dialect).toBe('reddit');
    expect(parse(headers, { url: 'https://api.x.com/2/tweets' }).policies[0]?.dialect).toBe('twitter');
    expect(parse(headers, { url: 'https://example.com/' }).policies[0]?.dialect).toBe('x-ratelimit');
    expect(parse(headers, { url: '::not a url::' }).policies[0]?.dialect).toBe('x-ratelimit');
    expect(parse({ 'ratelimit-remaining': '100' }, { url: 'https://api.heroku.com/apps' }).policies[0]).toMatchObject({
      semantics: 'refill',
      dialect: 'heroku',
    });
    expect(parse({ 'ratelimit-limit': '600', 'ratelimit-remaining': '599' }, { url: 'https://gitlab.example.org/api/v4/projects' }).policies[0]?.dialect).toBe('gitlab');
    expect(parse({ 'x-ratelimit-limit-foo': '10' }, { url: 'https://api.openai.com/v1/x' }).policies[0]).toMatchObject({ dialect: 'openai', semantics: 'refill' });
  });

  test('Reddit: decimal remaining, limit = used + remaining, delta reset', () => {
    expect(parse({ 'X-Ratelimit-Used': '1', 'X-Ratelimit-Remaining': '999.0', 'X-Ratelimit-Reset': '599' }).policies).toEqual([
      { unit: 'requests', limit: 1000, remaining: 999, resetAt: NOW + 599_000, resetPrecisionMs: 1000, semantics: 'window', dialect: 'reddit' },
    ]);
    expect(parse({ 'x-ratelimit-used': '2', 'x-ratelimit-remaining': '97.5' }).policies[0]).toMatchObject({ limit: 99.5, remaining: 97.5 });
  });

  test('Twitter: the 15-minute family and the 24-hour app and user families are three policies', () => {
    const result = parse({
      'x-rate-limit-limit': '300',
      'x-rate-limit-remaining': '299',
      'x-rate-limit-reset': String(NOW_S + 900),
      'x-app-limit-24hour-limit': '300',
      'x-app-limit-24hour-remaining': '299',
      'x-app-limit-24hour-reset': String(NOW_S + 86_000),
      'x-user-limit-24hour-limit': '100',
      'x-user-limit-24hour-remaining': '99',
      'x-user-limit-24hour-reset': String(NOW_S + 86_000),
    });
    expect(result.policies).toHaveLength(3);
    expect(result.policies[1]).toMatchObject({ name: 'app-24hour', unit: 'requests', limit: 300, windowMs: 86_400_000, dialect: 'twitter' });
    expect(result.policies[2]).toMatchObject({ name: 'user-24hour', limit: 100, remaining: 99, resetAt: NOW + 86_000_000 });
    expect(result.policies[0]).not.toHaveProperty('windowMs');
  });

  test('Kong: second, minute, hour, day windows; month and year named but no window invented', () => {
    const result = parse({
      'x-ratelimit-limit-second': '5',
      'x-ratelimit-limit-day': '10000',
      'x-ratelimit-limit-month': '100000',
      'x-ratelimit-remaining-month': '99000',
    });
    expect(result.policies.map((policy) => [policy.name, policy.windowMs])).toEqual([
      ['second', 1000],
      ['day', 86_400_000],
      ['month', undefined],
    ]);
  });

  test('Kong response-ratelimiting: custom units', () => {
    const result = parse({ 'x-ratelimit-limit-videos-minute': '10', 'x-ratelimit-remaining-videos-minute': '9' });
    expect(result.policies[0]).toMatchObject({ name: 'videos-minute', unit: 'videos', limit: 10, remaining: 9, windowMs: 60_000 });
  });

  test('Mastodon: ISO reset with microseconds', () => {
    const result = parse({ 'x-ratelimit-limit': '300', 'x-ratelimit-remaining': '299', 'x-ratelimit-reset': '2025-01-15T12:05:00.019685Z' });
    expect(result.policies[0]).toMatchObject({ resetAt: NOW + 300_019, resetPrecisionMs: 1 });
  });

  test('Prisjakt without its host: the documented ms reset reads as seconds (ambiguous by shape)', () => {
    const headers = { 'X-Rate-Limit-Limit': '10000', 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Reset': '600000' };
    expect(parse(headers).policies[0]?.resetAt).toBe(NOW + 600_000_000);
    expect(parse(headers, { url: 'https://api.prisjakt.nu/x' }).policies[0]?.resetAt).toBe(NOW + 600_000);
  });

  test('Anthropic: four buckets, priority tier and the unified family', () => {
    const reset = '2025-01-15T12:01:00Z';
    const result = parse({
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '49',
      'anthropic-ratelimit-requests-reset': reset,
      'anthropic-ratelimit-tokens-limit': '90000',
      'anthropic-ratelimit-tokens-remaining': '89000',
      'anthropic-ratelimit-tokens-reset': reset,
      'anthropic-ratelimit-input-tokens-limit': '80000',
      'anthropic-ratelimit-input-tokens-remaining': '79000',
      'anthropic-ratelimit-input-tokens-reset': reset,
      'anthropic-ratelimit-output-tokens-limit': '10000',
      'anthropic-ratelimit-output-tokens-remaining': '10000',
      'anthropic-ratelimit-output-tokens-reset': reset,
      'anthropic-priority-input-tokens-limit': '5000',
      'anthropic-priority-input-tokens-remaining': '4000',
      'anthropic-ratelimit-unified-5h-utilization': '0.42',
      'anthropic-ratelimit-unified-5h-status': 'allowed',
      'anthropic-ratelimit-unified-5h-reset': String(NOW_S + 3600),
      'anthropic-ratelimit-unified-7d-status': 'rejected',
      'anthropic-ratelimit-unified-7d-reset': String(NOW_S + 86_400),
    });
    expect(result.policies.map((policy) => [policy.name, policy.unit, policy.semantics])).toEqual([
      ['requests', 'requests', 'refill'],
      ['tokens', 'tokens', 'refill'],
      ['input-tokens', 'input-tokens', 'refill'],
      ['output-tokens', 'output-tokens', 'refill'],
      ['priority-input-tokens', 'input-tokens', 'refill'],
      ['unified-5h', 'utilization', 'window'],
      ['unified-7d', 'utilization', 'window'],
    ]);
    expect(result.policies[1]?.resetAt).toBe(NOW + 60_000);
    expect(result.policies[5]).toMatchObject({ windowMs: 18_000_000, resetAt: NOW + 3_600_000 });
    expect(result.policies[5]).not.toHaveProperty('remaining');
    expect(result.policies[6]).toMatchObject({ remaining: 0, windowMs: 604_800_000, resetAt: NOW + 86_400_000 });
  });

  test('HubSpot: rolling window in ms, secondly and daily', () => {
    const result = parse({
      'X-HubSpot-RateLimit-Max': '100',
      'X-HubSpot-RateLimit-Remaining': '97',
      'X-HubSpot-RateLimit-Interval-Milliseconds': '10000',
      'X-HubSpot-RateLimit-Secondly': '10',
      'X-HubSpot-RateLimit-Secondly-Remaining': '9',
      'X-HubSpot-RateLimit-Daily': '250000',
      'X-HubSpot-RateLimit-Daily-Remaining': '249000',
    });
    expect(result.policies).toEqual([
      { name: 'rolling', unit: 'requests', limit: 100, remaining: 97, windowMs: 10_000, semantics: 'refill', dialect: 'hubspot' },
      { name: 'secondly', unit: 'requests', limit: 10, remaining: 9, windowMs: 1000, semantics: 'refill', dialect: 'hubspot' },
      { name: 'daily', unit: 'requests', limit: 250_000, remaining: 249_000, windowMs: 86_400_000, semantics: 'window', dialect: 'hubspot' },
    ]);
  });

  test('Gorgias and Salesforce counters', () => {
    expect(parse({ 'X-Gorgias-Account-Api-Call-Limit': '10/40' }).policies[0]).toMatchObject({ limit: 40, remaining: 30, dialect: 'gorgias' });
    expect(parse({ 'Sforce-Limit-Info': 'api-usage=10018/100000' }).policies[0]).toMatchObject({
      name: 'api-usage',
      limit: 100_000,
      remaining: 89_982,
      dialect: 'salesforce',
    });
  });

  test('Azure Resource Manager: named remaining counts', () => {
    const result = parse({
      'x-ms-ratelimit-remaining-subscription-reads': '11999',
      'x-ms-ratelimit-remaining-resource': 'Microsoft.Compute/GetVMScaleSet3Min;197,Microsoft.Compute/GetVMScaleSet30Min;1297',
    });
    expect(result.policies.map((policy) => [policy.name, policy.remaining])).toEqual([
      ['subscription-reads', 11_999],
      ['Microsoft.Compute/GetVMScaleSet3Min', 197],
      ['Microsoft.Compute/GetVMScaleSet30Min', 1297],
    ]);
  });
});

describe('IETF details', () => {
  test('quota unit and token-named items', () => {
    const result = parse({ 'ratelimit-policy': 'peruser;q=65535;qu="content-bytes";w=10', ratelimit: 'peruser;r=100;t=2' });
    expect(result.policies).toEqual([
      expect.objectContaining({ name: 'peruser', unit: 'content-bytes', limit: 65_535, remaining: 100, windowMs: 10_000, resetAt: NOW + 2000 }),
    ]);
  });

  test('a missing r is unknown, not 0 (Atlassian)', () => {
    const result = parse({ 'ratelimit-policy': '"global-app-quota";q=65000;w=3600', ratelimit: '"global-app-quota";t=1800' });
    expect(result.policies[0]).not.toHaveProperty('remaining');
    expect(result.policies[0]?.resetAt).toBe(NOW + 1_800_000);
  });

  test('items join by name and partition key', () => {
    const result = parse({
      'ratelimit-policy': '"p";q=10;pk=:AAAA:, "p";q=20;pk=:BBBB:',
      ratelimit: '"p";r=15;pk=:BBBB:, "p";r=5;pk=:AAAA:',
    });
    expect(result.policies.map((policy) => [policy.partitionKey, policy.limit, policy.remaining])).toEqual([
      ['AAAA', 10, 5],
      ['BBBB', 20, 15],
    ]);
  });

  test('a malformed RateLimit field is ignored, other dialects still count', () => {
    const result = parse({ ratelimit: '"default";r=', 'ratelimit-policy': '"default";q=', 'x-ratelimit-limit': '10' });
    expect(result.policies).toEqual([expect.objectContaining({ limit: 10, dialect: 'x-ratelimit' })]);
  });

  test('RateLimit-Policy alone (-04 form) still reports the windows', () => {
    expect(parse({ 'ratelimit-policy': '10;w=1, 50;w=60' }).policies.map((policy) => [policy.limit, policy.windowMs])).toEqual([
      [10, 1000],
      [50, 60_000],
    ]);
  });

  test('a draft-07 dictionary without limit takes the only policy as current', () => {
    expect(parse({ ratelimit: 'remaining=4, reset=60', 'ratelimit-policy': '5;w=60' }).policies).toEqual([
      expect.objectContaining({ limit: 5, remaining: 4, windowMs: 60_000, resetAt: NOW + 60_000, dialect: 'ietf-07' }),
    ]);
  });

  test('GitLab without remaining: limit − observed', () => {
    expect(parse({ 'ratelimit-limit': '60', 'ratelimit-observed': '45' }).policies[0]).toMatchObject({ remaining: 15, dialect: 'gitlab' });
  });

  test('a comma-joined duplicate limit is one quota, not a policy list', () => {
    expect(parse({ 'ratelimit-limit': '100, 100', 'ratelimit-remaining': '50, 40', 'ratelimit-reset': '10, 20' }).policies).toEqual([
      expect.objectContaining({ limit: 100, remaining: 40, resetAt: NOW + 20_000 }),
    ]);
  });

  test('the HTTP-date reset of draft-polli-00 joined with commas', () => {
    const result = parse({ 'ratelimit-reset': `${HTTP_NOW}, Wed, 15 Jan 2025 12:00:20 GMT`, 'ratelimit-limit': '5' });
    expect(result.policies[0]?.resetAt).toBe(NOW + 20_000);
  });
});

describe('sentinels in derived counts', () => {
  test('a -1 remaining does not make a limit out of used + remaining', () => {
    expect(parse({ 'x-ratelimit-used': '5', 'x-ratelimit-remaining': '-1' }).policies).toEqual([]);
  });
  test('a -1 limit does not make a remaining out of limit − used', () => {
    expect(parse({ 'x-ratelimit-limit': '-1', 'x-ratelimit-used': '5' }).policies).toEqual([]);
  });
});
