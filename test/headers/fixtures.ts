/**
 * The literal header sets of header-dialects.md §6, with the `now` each is read at (the capture's
 * `Date` header, else a date consistent with its values) and the reading it must give.
 * `expected` is absent for fixtures the spec gives no reading for: those must parse without throwing.
 */

import type { RateLimitPolicy } from '../../src/headers/types.ts';

export interface ExpectedReading {
  /** Matched in order with `toMatchObject`; the count must match too. */
  readonly policies: readonly Partial<RateLimitPolicy>[];
  /** `undefined`: the result must have no `retryAt`. */
  readonly retryAt?: number | undefined;
}

export interface HeaderFixture {
  readonly id: string;
  readonly title: string;
  readonly status?: number;
  readonly url?: string;
  /** As captured (names in their original casing); repeated field lines are arrays. */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly now: number;
  /** Whether the spec's text states the reading (an "Expect" line or an equivalent statement). */
  readonly statedBySpec: boolean;
  readonly expected?: ExpectedReading;
}

const DRAFT_10 = Date.UTC(2025, 8, 23, 12, 0, 0);
const s = (seconds: number): number => seconds * 1000;

const F16_429_NOW = 1_470_173_023_123 - 64_570;
const F39_NOW = 1_470_173_023_000 - 6457;
const GITLAB_NOW = 1_609_844_400_000 - s(30);
const TWITTER_NOW = 1_705_420_000_000;
const ATLASSIAN_NOW = Date.UTC(2024, 4, 1, 10, 30, 55);
const OPENAI_MISSING_NOW = Date.UTC(2024, 8, 10, 23, 58, 8);
const ANTHROPIC_NOW = Date.UTC(2025, 7, 21, 12, 41, 0);
const SENTRY_NOW = 1_705_420_800_000 - s(30);
const OKTA_NOW = 1_609_459_200_000 - s(600);
const LEMLIST_NOW = Date.UTC(2021, 1, 16, 8, 2, 40);
const F40_NOW = 1_655_120_964_000 - s(60);

const f4Pk = 'MmMyNmI0NmI2OGZm';

export const FIXTURES: readonly HeaderFixture[] = [
  {
    id: 'F1',
    title: 'IETF draft-10, one named policy',
    status: 200,
    headers: {
      'Content-Type': 'application/json',
      RateLimit: '"fixedwindow";r=99;t=50',
      'RateLimit-Policy': '"fixedwindow";q=100;w=60',
    },
    now: DRAFT_10,
    statedBySpec: true,
    expected: {
      policies: [
        {
          name: 'fixedwindow',
          unit: 'requests',
          limit: 100,
          remaining: 99,
          windowMs: s(60),
          resetAt: DRAFT_10 + s(50),
          resetPrecisionMs: 1000,
          semantics: 'window',
          dialect: 'ietf-08',
        },
      ],
    },
  },
  {
    id: 'F2',
    title: 'IETF draft-10, policy split over two field lines; no t; partition key',
    status: 200,
    headers: {
      'RateLimit-Policy': ['"sliding";q=100;w=60;burst=1000', '"fixed";q=5000;w=3600;burst=0'],
      RateLimit: ['"sliding";r=50;t=44', '"default";r=999;pk=:dHJpYWwxMjEzMjM=:'],
    },
    now: DRAFT_10,
    statedBySpec: true,
    expected: {
      policies: [
        { name: 'sliding', limit: 100, windowMs: s(60), remaining: 50, resetAt: DRAFT_10 + s(44), dialect: 'ietf-08' },
        { name: 'fixed', limit: 5000, windowMs: s(3600), remaining: undefined, resetAt: undefined },
        { name: 'default', remaining: 999, partitionKey: 'dHJpYWwxMjEzMjM=', limit: undefined, resetAt: undefined },
      ],
    },
  },
  {
    id: 'F3',
    title: 'IETF draft-10, throttled redirect',
    status: 301,
    headers: { Location: '/foo/123', RateLimit: '"problemPolicy";r=0;t=10' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [{ name: 'problemPolicy', remaining: 0, resetAt: DRAFT_10 + s(10), dialect: 'ietf-08' }] },
  },
  {
    id: 'F4',
    title: 'express-rate-limit draft-8 with 5 stacked limiters',
    status: 200,
    headers: {
      'ratelimit-policy':
        '"1-in-5sec"; q=1; w=5; pk=:MmMyNmI0NmI2OGZm:, "5-in-1min"; q=5; w=60; pk=:MmMyNmI0NmI2OGZm:, "6-in-1hr"; q=6; w=3600; pk=:MmMyNmI0NmI2OGZm:, "7-in-1day"; q=7; w=86400; pk=:MmMyNmI0NmI2OGZm:, "8-in-2days"; q=8; w=172800; pk=:MmMyNmI0NmI2OGZm:',
      ratelimit:
        '"1-in-5sec"; r=0; t=5, "5-in-1min"; r=4; t=60, "6-in-1hr"; r=5; t=3600, "7-in-1day"; r=6; t=86400, "8-in-2days"; r=7; t=172800',
    },
    now: DRAFT_10,
    statedBySpec: true,
    expected: {
      policies: [
        { name: '1-in-5sec', limit: 1, remaining: 0, windowMs: s(5), resetAt: DRAFT_10 + s(5), partitionKey: f4Pk },
        { name: '5-in-1min', limit: 5, remaining: 4, windowMs: s(60), resetAt: DRAFT_10 + s(60), partitionKey: f4Pk },
        { name: '6-in-1hr', limit: 6, remaining: 5, windowMs: s(3600), resetAt: DRAFT_10 + s(3600), partitionKey: f4Pk },
        { name: '7-in-1day', limit: 7, remaining: 6, windowMs: s(86400), resetAt: DRAFT_10 + s(86400), partitionKey: f4Pk },
        { name: '8-in-2days', limit: 8, remaining: 7, windowMs: s(172800), resetAt: DRAFT_10 + s(172800), partitionKey: f4Pk },
      ],
    },
  },
  {
    id: 'F5a',
    title: 'express-rate-limit draft-7',
    status: 200,
    headers: { 'ratelimit-policy': '5;w=60', ratelimit: 'limit=5, remaining=4, reset=60' },
    now: DRAFT_10,
    statedBySpec: true,
    expected: {
      policies: [{ limit: 5, remaining: 4, windowMs: s(60), resetAt: DRAFT_10 + s(60), semantics: 'window', dialect: 'ietf-07' }],
    },
  },
  {
    id: 'F5b',
    title: 'express-rate-limit draft-6',
    status: 200,
    headers: { 'ratelimit-policy': '5;w=60', 'ratelimit-limit': '5', 'ratelimit-remaining': '4', 'ratelimit-reset': '60' },
    now: DRAFT_10,
    statedBySpec: true,
    expected: {
      policies: [{ limit: 5, remaining: 4, windowMs: s(60), resetAt: DRAFT_10 + s(60), semantics: 'window', dialect: 'ietf-06' }],
    },
  },
  {
    id: 'F6',
    title: 'IETF draft-03 style, policies inside RateLimit-Limit',
    status: 200,
    headers: {
      'RateLimit-Limit': '10, 10;w=1, 50;w=60, 1000;w=3600, 5000;w=86400',
      'RateLimit-Remaining': '9',
      'RateLimit-Reset': '1',
    },
    now: DRAFT_10,
    statedBySpec: true,
    expected: {
      policies: [
        { limit: 10, remaining: 9, windowMs: s(1), resetAt: DRAFT_10 + s(1), dialect: 'ietf-06' },
        { limit: 50, windowMs: s(60), remaining: undefined },
        { limit: 1000, windowMs: s(3600) },
        { limit: 5000, windowMs: s(86400) },
      ],
    },
  },
  {
    id: 'F7',
    title: 'draft-polli-00 style (WHOOP, X- prefixed)',
    status: 200,
    headers: {
      'X-RateLimit-Limit': '100, 100;window=60, 10000;window=86400',
      'X-RateLimit-Remaining': '98',
      'X-RateLimit-Reset': '3',
    },
    now: DRAFT_10,
    statedBySpec: true,
    expected: {
      policies: [
        { limit: 100, remaining: 98, windowMs: s(60), resetAt: DRAFT_10 + s(3), dialect: 'x-ratelimit' },
        { limit: 10000, windowMs: s(86400) },
      ],
    },
  },
  {
    id: 'F8',
    title: 'draft-polli-00 IMF-fixdate reset',
    headers: { 'RateLimit-Reset': 'Tue, 15 Nov 1994 08:12:31 GMT' },
    now: Date.UTC(1994, 10, 15, 8, 12, 0),
    statedBySpec: false,
    expected: { policies: [{ resetAt: Date.UTC(1994, 10, 15, 8, 12, 31), resetPrecisionMs: 1000, dialect: 'ietf-06' }] },
  },
  {
    id: 'F9a',
    title: 'Retry-After HTTP-date on a 503',
    status: 503,
    headers: { 'Retry-After': 'Fri, 31 Dec 1999 23:59:59 GMT' },
    now: Date.UTC(1999, 11, 31, 23, 58, 59),
    statedBySpec: false,
    expected: { policies: [], retryAt: Date.UTC(1999, 11, 31, 23, 59, 59) },
  },
  {
    id: 'F9b',
    title: 'Retry-After delay-seconds on a 429',
    status: 429,
    headers: { 'Retry-After': '120' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [], retryAt: DRAFT_10 + s(120) },
  },
  {
    id: 'F10a',
    title: 'Cloudflare API, draft-08 syntax',
    status: 200,
    headers: { ratelimit: '"default";r=1199;t=300', 'ratelimit-policy': '"default";q=1200;w=300' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: {
      policies: [{ name: 'default', limit: 1200, remaining: 1199, windowMs: s(300), resetAt: DRAFT_10 + s(300), dialect: 'ietf-08' }],
    },
  },
  {
    id: 'F10b',
    title: 'Cloudflare API 429',
    status: 429,
    headers: { ratelimit: '"default";r=0;t=37', 'ratelimit-policy': '"default";q=1200;w=300', 'retry-after': '37' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: {
      policies: [{ name: 'default', limit: 1200, remaining: 0, windowMs: s(300), resetAt: DRAFT_10 + s(37) }],
      retryAt: DRAFT_10 + s(37),
    },
  },
  {
    id: 'F10c',
    title: 'Cloudflare doc examples verbatim (different names: no join)',
    headers: { Ratelimit: '"default";r=50;t=30', 'Ratelimit-Policy': '"burst";q=100;w=60' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: {
      policies: [
        { name: 'burst', limit: 100, windowMs: s(60), remaining: undefined },
        { name: 'default', remaining: 50, resetAt: DRAFT_10 + s(30), limit: undefined },
      ],
    },
  },
  {
    id: 'F13',
    title: 'GitLab current docs sample',
    status: 429,
    headers: {
      'RateLimit-Limit': '60',
      'RateLimit-Name': 'throttle_authenticated_web',
      'RateLimit-Observed': '67',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '1609844400',
      'RateLimit-ResetTime': 'Tue, 05 Jan 2021 11:00:00 GMT',
      'Retry-After': '30',
    },
    now: GITLAB_NOW,
    statedBySpec: false,
    expected: {
      policies: [
        {
          name: 'throttle_authenticated_web',
          limit: 60,
          remaining: 0,
          resetAt: 1_609_844_400_000,
          resetPrecisionMs: 1000,
          semantics: 'window',
          dialect: 'gitlab',
          windowMs: undefined,
        },
      ],
      retryAt: GITLAB_NOW + s(30),
    },
  },
  {
    id: 'F14',
    title: 'Twitter/X',
    status: 200,
    headers: { 'x-rate-limit-limit': '900', 'x-rate-limit-remaining': '847', 'x-rate-limit-reset': '1705420800' },
    now: TWITTER_NOW,
    statedBySpec: false,
    expected: {
      policies: [{ limit: 900, remaining: 847, resetAt: 1_705_420_800_000, windowMs: undefined, semantics: 'window', dialect: 'x-rate-limit' }],
    },
  },
  {
    id: 'F16a',
    title: 'Discord 200',
    status: 200,
    headers: {
      'X-RateLimit-Limit': '5',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': '1470173023',
      'X-RateLimit-Reset-After': '1',
      'X-RateLimit-Bucket': 'abcd1234',
    },
    now: 1_470_173_022_000,
    statedBySpec: false,
    expected: {
      policies: [{ name: 'abcd1234', limit: 5, remaining: 0, resetAt: 1_470_173_023_000, resetPrecisionMs: 1000, dialect: 'discord' }],
    },
  },
  {
    id: 'F16b',
    title: 'Discord 429, user scope',
    status: 429,
    headers: {
      'Content-Type': 'application/json',
      'Retry-After': '65',
      'X-RateLimit-Limit': '10',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': '1470173023.123',
      'X-RateLimit-Reset-After': '64.57',
      'X-RateLimit-Bucket': 'abcd1234',
      'X-RateLimit-Scope': 'user',
    },
    now: F16_429_NOW,
    statedBySpec: false,
    expected: {
      policies: [{ name: 'abcd1234', limit: 10, remaining: 0, resetAt: F16_429_NOW + 64_570, resetPrecisionMs: 10, dialect: 'discord' }],
      retryAt: F16_429_NOW + s(65),
    },
  },
  {
    id: 'F16c',
    title: 'Discord 429, global',
    status: 429,
    headers: {
      'Content-Type': 'application/json',
      'Retry-After': '65',
      'X-RateLimit-Global': 'true',
      'X-RateLimit-Scope': 'global',
    },
    now: F16_429_NOW,
    statedBySpec: false,
    expected: { policies: [], retryAt: F16_429_NOW + s(65) },
  },
  {
    id: 'F16d',
    title: 'Discord 429, shared scope (seconds, not the legacy ms)',
    status: 429,
    headers: {
      'Retry-After': '1337',
      'X-RateLimit-Limit': '10',
      'X-RateLimit-Remaining': '9',
      'X-RateLimit-Reset-After': '1.337',
      'X-RateLimit-Bucket': 'abcd1234',
      'X-RateLimit-Scope': 'shared',
    },
    now: F16_429_NOW,
    statedBySpec: false,
    expected: {
      policies: [{ name: 'abcd1234', limit: 10, remaining: 9, resetAt: F16_429_NOW + 1337, resetPrecisionMs: 1 }],
      retryAt: F16_429_NOW + s(1337),
    },
  },
  {
    id: 'F17a',
    title: 'Shopify REST',
    status: 200,
    headers: { 'X-Shopify-Shop-Api-Call-Limit': '32/40' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [{ limit: 40, remaining: 8, semantics: 'refill', dialect: 'shopify', resetAt: undefined }] },
  },
  {
    id: 'F17b',
    title: 'Shopify REST 429, float Retry-After',
    status: 429,
    headers: { 'X-Shopify-Shop-Api-Call-Limit': '40/40', 'Retry-After': '2.0' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [{ limit: 40, remaining: 0, semantics: 'refill', dialect: 'shopify' }], retryAt: DRAFT_10 + s(2) },
  },
  {
    id: 'F17c',
    title: 'Shopify GraphQL (limits in the body: out of scope)',
    status: 200,
    headers: { 'Content-Type': 'application/json' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [] },
  },
  {
    id: 'F18',
    title: 'Stripe 429 without quota headers',
    status: 429,
    headers: {
      'Content-Type': 'application/json',
      'Stripe-Rate-Limited-Reason': 'endpoint-concurrency',
      'Stripe-Should-Retry': 'true',
    },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [] },
  },
  {
    id: 'F19',
    title: 'Slack / Notion / Spotify',
    status: 429,
    headers: { 'Retry-After': '30' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [], retryAt: DRAFT_10 + s(30) },
  },
  {
    id: 'F20',
    title: 'Okta',
    status: 200,
    headers: { 'X-Rate-Limit-Limit': '1200', 'X-Rate-Limit-Remaining': '1199', 'X-Rate-Limit-Reset': '1609459200' },
    now: OKTA_NOW,
    statedBySpec: false,
    expected: { policies: [{ limit: 1200, remaining: 1199, resetAt: 1_609_459_200_000, dialect: 'x-rate-limit' }] },
  },
  {
    id: 'F21',
    title: 'Zendesk ticket list endpoint: account and endpoint policies',
    status: 200,
    headers: {
      'x-rate-limit': '700',
      'ratelimit-limit': '700',
      'x-rate-limit-remaining': '699',
      'ratelimit-remaining': '699',
      'ratelimit-reset': '41',
      'zendesk-ratelimit-tickets-index': 'total=100; remaining=99; resets=41',
    },
    now: DRAFT_10,
    statedBySpec: true,
    expected: {
      policies: [
        { limit: 700, remaining: 699, resetAt: DRAFT_10 + s(41), name: undefined, windowMs: undefined },
        { name: 'tickets-index', limit: 100, remaining: 99, resetAt: DRAFT_10 + s(41), dialect: 'zendesk' },
      ],
    },
  },
  {
    id: 'F22a',
    title: 'Atlassian Jira Cloud 429, minute-precision ISO reset',
    status: 429,
    headers: {
      'Retry-After': '5',
      'X-RateLimit-Limit': '100',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': '2024-05-01T10:31Z',
      'X-RateLimit-NearLimit': 'true',
      'RateLimit-Reason': 'jira-burst-based',
    },
    now: ATLASSIAN_NOW,
    statedBySpec: false,
    expected: {
      policies: [{ limit: 100, remaining: 0, resetAt: Date.UTC(2024, 4, 1, 10, 31), resetPrecisionMs: 60_000 }],
      retryAt: ATLASSIAN_NOW + s(5),
    },
  },
  {
    id: 'F22b',
    title: 'Atlassian beta headers (not enforced: not read)',
    status: 200,
    headers: {
      'Beta-RateLimit-Policy': '"global-app-quota";q=65000;w=3600',
      'Beta-RateLimit': '"global-app-quota";r=12000;t=1800',
    },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [] },
  },
  {
    id: 'F23',
    title: 'Heroku: remaining only, refilling pool',
    status: 200,
    headers: { 'RateLimit-Remaining': '2400', 'Content-Type': 'application/vnd.heroku+json; version=3' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [{ remaining: 2400, limit: undefined, semantics: 'refill', dialect: 'heroku' }] },
  },
  {
    id: 'F24a',
    title: 'OpenAI requests and tokens',
    status: 200,
    headers: {
      'x-ratelimit-limit-requests': '60',
      'x-ratelimit-limit-tokens': '150000',
      'x-ratelimit-remaining-requests': '59',
      'x-ratelimit-remaining-tokens': '149984',
      'x-ratelimit-reset-requests': '1s',
      'x-ratelimit-reset-tokens': '6m0s',
    },
    now: DRAFT_10,
    statedBySpec: false,
    expected: {
      policies: [
        { name: 'requests', unit: 'requests', limit: 60, remaining: 59, resetAt: DRAFT_10 + s(1), resetPrecisionMs: 1000, semantics: 'refill', dialect: 'openai' },
        { name: 'tokens', unit: 'tokens', limit: 150_000, remaining: 149_984, resetAt: DRAFT_10 + s(360), semantics: 'refill', dialect: 'openai' },
      ],
    },
  },
  {
    id: 'F24b',
    title: 'OpenAI with millisecond durations and tokens_usage_based',
    status: 200,
    headers: {
      'x-ratelimit-limit-requests': '5000',
      'x-ratelimit-limit-tokens': '160000',
      'x-ratelimit-limit-tokens_usage_based': '160000',
      'x-ratelimit-remaining-requests': '4999',
      'x-ratelimit-remaining-tokens': '159976',
      'x-ratelimit-remaining-tokens_usage_based': '159976',
      'x-ratelimit-reset-requests': '12ms',
      'x-ratelimit-reset-tokens': '9ms',
      'x-ratelimit-reset-tokens_usage_based': '9ms',
    },
    now: DRAFT_10,
    statedBySpec: false,
    expected: {
      policies: [
        { name: 'requests', unit: 'requests', limit: 5000, remaining: 4999, resetAt: DRAFT_10 + 12, resetPrecisionMs: 1 },
        { name: 'tokens', unit: 'tokens', limit: 160_000, remaining: 159_976, resetAt: DRAFT_10 + 9 },
        { name: 'tokens_usage_based', unit: 'tokens', limit: 160_000, remaining: 159_976, resetAt: DRAFT_10 + 9 },
      ],
    },
  },
  {
    id: 'F24c',
    title: 'OpenAI with the headers missing',
    status: 200,
    headers: {
      date: 'Tue, 10 Sep 2024 23:58:08 GMT',
      'content-type': 'application/json',
      'access-control-expose-headers': 'X-Request-ID',
      'openai-processing-ms': '1032',
      'x-request-id': 'req_deaa3616cbd15d33b4db96b3ba74d2b4',
      server: 'cloudflare',
    },
    now: OPENAI_MISSING_NOW,
    statedBySpec: false,
    expected: { policies: [] },
  },
  {
    id: 'F27',
    title: 'Anthropic 429',
    status: 429,
    headers: {
      'retry-after': '18',
      'anthropic-ratelimit-requests-limit': '50',
      'anthropic-ratelimit-requests-remaining': '0',
      'anthropic-ratelimit-requests-reset': '2025-08-21T12:41:18Z',
      'content-type': 'application/json',
    },
    now: ANTHROPIC_NOW,
    statedBySpec: false,
    expected: {
      policies: [
        { name: 'requests', unit: 'requests', limit: 50, remaining: 0, resetAt: ANTHROPIC_NOW + s(18), resetPrecisionMs: 1000, semantics: 'refill', dialect: 'anthropic' },
      ],
      retryAt: ANTHROPIC_NOW + s(18),
    },
  },
  {
    id: 'F29',
    title: 'Docker Hub',
    status: 200,
    headers: { 'ratelimit-limit': '100;w=21600', 'ratelimit-remaining': '76;w=21600', 'docker-ratelimit-source': '192.0.2.1' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [{ limit: 100, remaining: 76, windowMs: s(21600), resetAt: undefined, dialect: 'docker' }] },
  },
  {
    id: 'F30',
    title: 'Google API 429 (body only)',
    status: 429,
    headers: { 'Content-Type': 'application/json' },
    now: DRAFT_10,
    statedBySpec: false,
    expected: { policies: [] },
  },
  {
    id: 'F33a',
    title: 'Sentry web API',
    status: 200,
    headers: {
      'X-Sentry-Rate-Limit-Limit': '40',
      'X-Sentry-Rate-Limit-Remaining': '39',
      'X-Sentry-Rate-Limit-Reset': '1705420800',
      'X-Sentry-Rate-Limit-ConcurrentLimit': '25',
      'X-Sentry-Rate-Limit-ConcurrentRemaining': '24',
    },
    now: SENTRY_NOW,
    statedBySpec: false,
    expected: {
      policies: [
        { limit: 40, remaining: 39, resetAt: 1_705_420_800_000, semantics: 'window', dialect: 'sentry' },
        { name: 'concurrent', unit: 'concurrent-requests', limit: 25, remaining: 24, dialect: 'sentry' },
      ],
    },
  },
  {
    id: 'F33b',
    title: 'Sentry ingest 429',
    status: 429,
    headers: { 'Retry-After': '60', 'X-Sentry-Rate-Limits': '60:transaction:key, 2700:default;error;security:organization' },
    now: SENTRY_NOW,
    statedBySpec: false,
    expected: { policies: [], retryAt: SENTRY_NOW + s(60) },
  },
  {
    id: 'F35',
    title: 'Brave Search, positional comma lists',
    headers: {
      'X-RateLimit-Limit': '1, 15000',
      'X-RateLimit-Policy': '1;w=1, 15000;w=2592000',
      'X-RateLimit-Remaining': '1, 1000',
      'X-RateLimit-Reset': '1, 1419704',
    },
    now: DRAFT_10,
    statedBySpec: true,
    expected: {
      policies: [
        { limit: 1, remaining: 1, windowMs: s(1), resetAt: DRAFT_10 + s(1) },
        { limit: 15000, remaining: 1000, windowMs: s(2_592_000), resetAt: DRAFT_10 + s(1_419_704) },
      ],
    },
  },
  {
    id: 'F37a',
    title: 'Prisjakt delta milliseconds (by host)',
    url: 'https://api.prisjakt.nu/v1/products',
    headers: { 'X-Rate-Limit-Limit': '10000', 'X-Rate-Limit-Remaining': '0', 'X-Rate-Limit-Reset': '600000' },
    now: DRAFT_10,
    statedBySpec: true,
    expected: { policies: [{ limit: 10000, remaining: 0, resetAt: DRAFT_10 + 600_000, resetPrecisionMs: 1 }] },
  },
  {
    id: 'F37b',
    title: 'Linear epoch milliseconds',
    headers: {
      'X-RateLimit-Requests-Limit': '5000',
      'X-RateLimit-Requests-Remaining': '4999',
      'X-RateLimit-Requests-Reset': '1705420800000',
    },
    now: TWITTER_NOW,
    statedBySpec: true,
    expected: {
      policies: [{ name: 'requests', unit: 'requests', limit: 5000, remaining: 4999, resetAt: 1_705_420_800_000, resetPrecisionMs: 1, semantics: 'window' }],
    },
  },
  {
    id: 'F37c',
    title: 'lemlist JavaScript Date.toString() reset',
    headers: {
      'Retry-After': '2',
      'X-RateLimit-Limit': '20',
      'X-RateLimit-Remaining': '7',
      'X-RateLimit-Reset': 'Tue Feb 16 2021 09:02:42 GMT+0100 (Central European Standard Time)',
    },
    now: LEMLIST_NOW,
    statedBySpec: false,
    expected: {
      policies: [{ limit: 20, remaining: 7, resetAt: Date.UTC(2021, 1, 16, 8, 2, 42) }],
      retryAt: LEMLIST_NOW + s(2),
    },
  },
  {
    id: 'F38',
    title: 'Kong rate-limiting plugin',
    status: 429,
    headers: {
      'X-RateLimit-Limit-Minute': '5',
      'X-RateLimit-Remaining-Minute': '0',
      'X-RateLimit-Limit-Hour': '100',
      'X-RateLimit-Remaining-Hour': '42',
      'RateLimit-Limit': '5',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '47',
      'Retry-After': '47',
    },
    now: DRAFT_10,
    statedBySpec: false,
    expected: {
      policies: [
        { name: 'minute', limit: 5, remaining: 0, windowMs: s(60), resetAt: DRAFT_10 + s(47) },
        { name: 'hour', limit: 100, remaining: 42, windowMs: s(3600), resetAt: undefined, dialect: 'kong' },
      ],
      retryAt: DRAFT_10 + s(47),
    },
  },
  {
    id: 'F39',
    title: 'Discord ≤ v7 legacy Retry-After in ms',
    status: 429,
    headers: {
      'Retry-After': '6457',
      'X-RateLimit-Limit': '10',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': '1470173023',
      'X-RateLimit-Bucket': 'abcd1234',
    },
    now: F39_NOW,
    statedBySpec: true,
    expected: {
      policies: [{ name: 'abcd1234', limit: 10, remaining: 0, resetAt: 1_470_173_023_000, dialect: 'discord' }],
      retryAt: F39_NOW + 6457,
    },
  },
  {
    id: 'F40',
    title: 'Duplicate-header joins',
    headers: {
      'X-RateLimit-Remaining': '60, 4999',
      'X-RateLimit-Reset': '1655120964, 1655124533',
      'Retry-After': 'Wed, 21 Oct 2015 07:28:00 GMT, Wed, 21 Oct 2015 07:28:00 GMT',
    },
    now: F40_NOW,
    statedBySpec: true,
    // The 2015 Retry-After is long past at the 2022 resets' date: "retry now".
    expected: { policies: [{ remaining: 60, resetAt: 1_655_124_533_000 }], retryAt: F40_NOW },
  },
];
