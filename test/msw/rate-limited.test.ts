import { getResponse, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dialectNames, LeakyBucket, limitedBody, rateLimit, rateLimited } from '../../src/msw/index.ts';
import type { Decision } from '../../src/msw/index.ts';

const T0 = Date.parse('2026-11-23T12:00:00.000Z');
let clock = T0;
const now = () => clock;

let resolverRuns = 0;
const items = rateLimited(
  http.get('https://api.test/items', () => {
    resolverRuns++;
    return HttpResponse.json([1, 2], { headers: { 'x-ratelimit-limit': 'mine' } });
  }),
  { algorithm: 'sliding', limit: 2, windowMs: 1000, dialect: 'x-ratelimit-epoch', now },
);
const server = setupServer(items);
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  clock = T0;
  resolverRuns = 0;
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());

describe('rateLimited', () => {
  it('runs the wrapped resolver only when admitted, adds the quota headers without overriding its own', async () => {
    const first = await fetch('https://api.test/items');
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual([1, 2]);
    expect(first.headers.get('x-ratelimit-limit')).toBe('mine');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    await fetch('https://api.test/items');
    const refused = await fetch('https://api.test/items');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(await refused.json()).toEqual({ error: 'Too Many Requests', message: 'Rate limit of 2 exceeded' });
    expect(resolverRuns).toBe(2);
    expect(items.stats).toMatchObject({ accepted: 2, rejected: 1 });
  });

  it('counts only requests the wrapped handler matches', async () => {
    server.use(http.get('https://api.test/other', () => HttpResponse.text('free')));
    for (let index = 0; index < 5; index++) expect((await fetch('https://api.test/other')).status).toBe(200);
    expect(items.stats.accepted + items.stats.rejected).toBe(0);
  });

  it('server.resetHandlers() gives the next test a full quota', async () => {
    await fetch('https://api.test/items');
    await fetch('https://api.test/items');
    server.resetHandlers();
    expect((await fetch('https://api.test/items')).status).toBe(200);
    expect(items.stats.accepted).toBe(1);
  });

  it('one quota shared by several routes; setLimit and a schedule change it', async () => {
    const quota = rateLimit({ algorithm: 'fixed', limit: 3, windowMs: 60_000, dialect: 'github', now, schedule: [{ atMs: 60_000, limit: 1 }] });
    server.use(
      rateLimited(http.get('https://api.github.com/a', () => HttpResponse.json({})), quota),
      rateLimited(http.get('https://api.github.com/b', () => HttpResponse.json({})), quota),
    );
    clock = 1_800_000_000_000; // a window edge
    expect((await fetch('https://api.github.com/a')).headers.get('x-ratelimit-remaining')).toBe('2');
    expect((await fetch('https://api.github.com/b')).headers.get('x-ratelimit-remaining')).toBe('1');
    const last = await fetch('https://api.github.com/a');
    expect(last.headers.get('x-ratelimit-resource')).toBe('core');
    const refused = await fetch('https://api.github.com/b');
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ documentation_url: expect.stringContaining('rate-limits') });
    clock += 60_000;
    expect((await fetch('https://api.github.com/a')).headers.get('x-ratelimit-limit')).toBe('1');
    expect((await fetch('https://api.github.com/a')).status).toBe(429);
    quota.setLimit(10);
    expect((await fetch('https://api.github.com/a')).status).toBe(200);
  });

  it('wraps a POST handler and works through getResponse (no interception, as in a browser test)', async () => {
    const limited = rateLimited(http.post('https://api.test/graphql', () => HttpResponse.json({ data: { items: [] } })), { limit: 1, windowMs: 1000, dialect: 'ietf', now });
    const ask = () =>
      getResponse([limited], new Request('https://api.test/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query Items { items }' }) }));
    const ok = await ask();
    expect(ok?.status).toBe(200);
    expect(ok?.headers.get('ratelimit')).toBe('"default";r=0;t=1');
    const refused = await ask();
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get('content-type')).toBe('application/problem+json');
  });

  it('follows vitest fake timers with the default clock', async () => {
    vi.useFakeTimers({ now: T0, toFake: ['Date'] });
    const limited = rateLimited(http.get('https://api.test/fake', () => HttpResponse.text('ok')), { algorithm: 'bucket', limit: 1, windowMs: 1000, dialect: 'openai' });
    server.use(limited);
    expect((await fetch('https://api.test/fake')).headers.get('x-ratelimit-reset-requests')).toBe('1s');
    expect((await fetch('https://api.test/fake')).status).toBe(429);
    vi.setSystemTime(T0 + 1000);
    expect((await fetch('https://api.test/fake')).status).toBe(200);
  });

  it('the silent dialect sends a bare 429; retry-after sends Retry-After only', async () => {
    const silent = rateLimit({ limit: 0, windowMs: 1000, dialect: 'silent', now });
    const bare = silent.admit(new Request('https://api.test/'));
    expect(bare.allowed).toBe(false);
    if (!bare.allowed) expect([...bare.response.headers.keys()].sort()).toEqual(['content-type', 'date']);
    const retry = rateLimit({ limit: 0, windowMs: 1000, dialect: 'retry-after', now }).admit(new Request('https://api.test/'));
    if (!retry.allowed) expect(retry.response.headers.get('retry-after')).toBe('3600');
  });
});

describe('limitedBody', () => {
  const decision: Decision = { allowed: false, limit: 5, remaining: 0, resetAt: T0 + 500, fullAt: T0 + 500, retryAfterMs: 500 };
  it.each(dialectNames)('%s has a body of its own kind', (dialect) => {
    const body = limitedBody(dialect, decision);
    if (body.contentType.includes('json')) expect(() => JSON.parse(body.text) as unknown).not.toThrow();
    else expect(body.text).toBe('Too Many Requests');
  });
  it('openai says when to retry', () => {
    expect(JSON.parse(limitedBody('openai', decision).text)).toMatchObject({ error: { code: 'rate_limit_exceeded', message: expect.stringContaining('500ms') } });
  });
});

describe('LeakyBucket', () => {
  it('starts empty, fills to its depth, drains at limit per window', () => {
    const bucket = new LeakyBucket({ limit: 4, windowMs: 1000 });
    for (let index = 0; index < 4; index++) expect(bucket.admit(0).allowed).toBe(true);
    const refused = bucket.admit(0);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, retryAfterMs: 250, fullAt: 1000 });
    expect(bucket.admit(249).allowed).toBe(false);
    expect(bucket.admit(250)).toMatchObject({ allowed: true, remaining: 0 });
    expect(bucket.admit(2000)).toMatchObject({ allowed: true, remaining: 3 });
  });
  it('never admits more than depth + elapsed drain', () => {
    const bucket = new LeakyBucket({ limit: 3, windowMs: 300 });
    let admitted = 0;
    for (let at = 0; at <= 3000; at += 7) if (bucket.admit(at).allowed) admitted++;
    expect(admitted).toBeLessThanOrEqual(3 + Math.floor(3000 / 100));
    expect(admitted).toBeGreaterThanOrEqual(30);
  });
  it('setLimit keeps the level, capped at the new depth', () => {
    const bucket = new LeakyBucket({ limit: 10, windowMs: 1000 });
    for (let index = 0; index < 8; index++) bucket.admit(0);
    bucket.setLimit(2);
    expect(bucket.admit(0).allowed).toBe(false);
    expect(bucket.admit(500).allowed).toBe(true);
    expect(() => bucket.setLimit(-1)).toThrow(RangeError);
    expect(() => new LeakyBucket({ limit: 1, windowMs: 0 })).toThrow(RangeError);
  });
});
