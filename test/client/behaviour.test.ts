import ky, { isHTTPError, TimeoutError } from 'ky';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import {
  createClient,
  isRateLimitError,
  QueueFullError,
  QuotaClosedError,
  QuotaTimeoutError,
  RateLimitError,
  withQuota,
  type LimitedEvent,
} from '../../src/index.ts';
import { countingClock } from '../support/counting-clock.ts';
import { rateLimitedHandler } from '../support/rate-limited-handler.ts';
import { settle, useMswWithFakeTime } from '../support/msw-fake-time.ts';

const server = useMswWithFakeTime();

const base = 'https://api.test/';

/** A server that counts requests and answers with the headers `reply` returns. */
function counting(reply: (n: number, request: Request) => Response | Promise<Response>, method: 'get' | 'post' = 'get', origin = base) {
  const seen: { at: number; request: Request }[] = [];
  server.use(
    http[method](`${origin}*`, ({ request }) => {
      seen.push({ at: Date.now(), request });
      return reply(seen.length, request);
    }),
  );
  return seen;
}


const ok = (headers: Record<string, string> = {}) => HttpResponse.json({ ok: true }, { headers });

describe('429 and 503', () => {
  it('pauses the bucket until Retry-After, ky retries, and the request succeeds', async () => {
    const seen = counting((n) => (n === 2 ? HttpResponse.json({}, { status: 429, headers: { 'retry-after': '3' } }) : ok()));
    const api = createClient({ baseUrl: base });
    const limited: LimitedEvent[] = [];
    api.quota.on('limited', (event) => limited.push(event));
    const first = await settle(api.get('a').json());
    expect(first).toEqual({ ok: true });
    const start = Date.now();
    const second = await settle(api.get('b').json());
    expect(second).toEqual({ ok: true });
    expect(seen.length).toBe(3);
    // The retry went no earlier than the server said.
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(3000);
    expect(limited).toHaveLength(1);
    expect(limited[0]).toMatchObject({ status: 429, bucket: 'https://api.test', retryAt: start + 3000 });
    await api.quota.close();
  });

  it('no other request goes out while the bucket is paused', async () => {
    const seen = counting((n) => (n === 1 ? ok({ 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '99' }) : n === 2 ? HttpResponse.json({}, { status: 429, headers: { 'retry-after': '2' } }) : ok()));
    const api = createClient({ baseUrl: base });
    await settle(api.get('warm').json());
    const limitedSeen = api.quota.onLimited();
    const paused = api.get('limited').json();
    await settle(limitedSeen);
    const others = Array.from({ length: 5 }, (_, index) => api.get(`other/${index}`).json());
    const all = settle(Promise.all([paused, ...others]));
    await vi.advanceTimersByTimeAsync(1900);
    expect(seen.length).toBe(2);
    await all;
    expect(seen.length).toBe(8);
    expect(Math.min(...seen.slice(2).map((entry) => entry.at)) - seen[1]!.at).toBeGreaterThanOrEqual(2000);
    await api.quota.close();
  });

  it('a server asking for more than maxRetryAfterMs rejects with RateLimitError saying when, without waiting', async () => {
    counting(() => HttpResponse.json({}, { status: 429, headers: { 'retry-after': '3600' } }));
    const api = createClient({ baseUrl: base, quota: { maxRetryAfterMs: 10_000 } });
    const start = Date.now();
    const error = await settle(api.get('x').json(), 10, 1000);
    expect(error).toBeInstanceOf(RateLimitError);
    // Retry-After is relative to when the response arrived (msw answers on the next timer tick).
    expect((error as RateLimitError).retryAt! - start - 3_600_000).toBeGreaterThanOrEqual(0);
    expect((error as RateLimitError).retryAt! - start - 3_600_000).toBeLessThanOrEqual(20);
    expect((error as RateLimitError).response?.status).toBe(429);
    expect((error as RateLimitError).message).toMatch(/3600 s/);
    expect(Date.now() - start).toBeLessThan(1000);
    await api.quota.close();
  });

  it('a POST that gets a 429 is not retried and rejects with RateLimitError whose cause is the HTTPError', async () => {
    const seen = counting(() => HttpResponse.json({}, { status: 429, headers: { 'retry-after': '1' } }), 'post');
    const api = createClient({ baseUrl: base });
    const error = await settle(api.post('x', { json: { a: 1 } }).json());
    expect(isRateLimitError(error)).toBe(true);
    expect(isHTTPError((error as RateLimitError).cause)).toBe(true);
    expect(seen.length).toBe(1);
    await api.quota.close();
  });

  it('retries a POST when the user’s ky retry options say so, and gates the retry', async () => {
    const seen = counting((n) => (n === 1 ? HttpResponse.json({}, { status: 429, headers: { 'retry-after': '1' } }) : ok()), 'post');
    const api = createClient({ baseUrl: base, retry: { limit: 2, methods: ['post'] } });
    expect(await settle(api.post('x', { json: {} }).json())).toEqual({ ok: true });
    expect(seen.length).toBe(2);
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(1000);
    await api.quota.close();
  });

  it('after ky’s retry limit a GET rejects with RateLimitError', async () => {
    const seen = counting(() => HttpResponse.json({}, { status: 429, headers: { 'retry-after': '1' } }));
    const api = createClient({ baseUrl: base, retry: 1 });
    const error = await settle(api.get('x').json());
    expect(error).toBeInstanceOf(RateLimitError);
    expect(seen.length).toBe(2);
    await api.quota.close();
  });

  it('every attempt, retries included, takes a token: each retry is seen by the quota', async () => {
    const seen = counting((n) => (n < 3 ? HttpResponse.json({}, { status: 503, headers: { 'retry-after': '1' } }) : ok()));
    const api = createClient({ baseUrl: base });
    let inFlightAtServer = 0;
    server.events.on('request:start', () => {
      inFlightAtServer = Math.max(inFlightAtServer, api.quota.inFlight);
    });
    expect(await settle(api.get('x').json())).toEqual({ ok: true });
    expect(seen.length).toBe(3);
    // The quota saw each of the three attempts in flight when it reached the server.
    expect(inFlightAtServer).toBe(1);
    server.events.removeAllListeners();
    await api.quota.close();
  });
});

describe('the scheduler through the client', () => {
  it('an AbortSignal while queued rejects with the caller’s reason and the request is never sent', async () => {
    const seen = counting(() => ok({ 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '30' }));
    const api = createClient({ baseUrl: base });
    await settle(api.get('first').json());
    const controller = new AbortController();
    const reason = new Error('user navigated away');
    const queued = settle(api.get('second', { signal: controller.signal }).json());
    await vi.advanceTimersByTimeAsync(100);
    expect(api.quota.queued).toBe(1);
    controller.abort(reason);
    expect(await queued).toBe(reason);
    expect(seen.length).toBe(1);
    expect(api.quota.queued).toBe(0);
    await api.quota.close();
  });

  it('maxQueue refuses the next request with QueueFullError; maxWaitMs gives up with QuotaTimeoutError', async () => {
    counting(() => ok({ 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '50' }));
    const api = createClient({ baseUrl: base, quota: { maxQueue: 1, maxWaitMs: 2000 } });
    await settle(api.get('first').json());
    const waiting = settle(api.get('second').json());
    await vi.advanceTimersByTimeAsync(1);
    expect(await settle(api.get('third').json())).toBeInstanceOf(QueueFullError);
    expect(await waiting).toBeInstanceOf(QuotaTimeoutError);
    await api.quota.close();
  });

  it('the wait in the queue does not count against ky’s per-attempt timeout', async () => {
    const limited = rateLimitedHandler({ url: `${base}x/*`, algorithm: 'sliding', limit: 1, windowMs: 2000, dialect: 'ietf' });
    server.use(limited.handler);
    const api = createClient({ baseUrl: base, timeout: 500 });
    const results = await settle(Promise.all([1, 2, 3].map((n) => api.get(`x/${n}`).json())));
    expect(results).toMatchObject([{ ok: true }, { ok: true }, { ok: true }]);
    expect(limited.stats.rejected).toBe(0);
    const times = limited.stats.acceptedAt;
    expect(times).toHaveLength(3);
    expect(times[2]! - times[0]!).toBeGreaterThanOrEqual(4000);
    await api.quota.close();
  });

  it('a hanging response still times out after `timeout` with ky’s TimeoutError and frees its slot', async () => {
    counting(() => new Promise<Response>(() => {}));
    const api = createClient({ baseUrl: base, timeout: 1000, retry: 0 });
    const error = await settle(api.get('hang').json());
    expect(error).toBeInstanceOf(TimeoutError);
    expect(api.quota.inFlight).toBe(0);
    await api.quota.close();
  });

  it('a network error frees the in-flight slot (no leak) and surfaces ky’s error', async () => {
    counting(() => HttpResponse.error());
    const api = createClient({ baseUrl: base, retry: 0, quota: { concurrency: 1 } });
    const first = await settle(api.get('a').json());
    expect((first as Error).name).toBe('NetworkError');
    expect(api.quota.inFlight).toBe(0);
    server.resetHandlers();
    counting(() => ok());
    expect(await settle(api.get('b').json())).toEqual({ ok: true });
    await api.quota.close();
  });

  it('higher context.priority goes first', async () => {
    const seen = counting(() => ok({ 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '1' }));
    const api = createClient({ baseUrl: base });
    await settle(api.get('warm').json());
    const low = api.get('low').json();
    const high = api.get('high', { context: { priority: 5 } }).json();
    await settle(Promise.all([low, high]));
    expect(seen.map((entry) => new URL(entry.request.url).pathname)).toEqual(['/warm', '/high', '/low']);
    await api.quota.close();
  });

  it('close() rejects queued requests with QuotaClosedError', async () => {
    counting(() => ok({ 'x-ratelimit-limit': '1', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '30' }));
    const clock = countingClock();
    const api = createClient({ baseUrl: base, quota: { clock, maxWaitMs: 60_000 } });
    await settle(api.get('first').json());
    const queued = settle(api.get('second').json());
    await vi.advanceTimersByTimeAsync(10);
    expect(clock.pending).toBeGreaterThan(0);
    await api.quota.close();
    expect(await queued).toBeInstanceOf(QuotaClosedError);
    expect(clock.pending).toBe(0);
  });
});

describe('ky integration', () => {
  it('extend() keeps the quota and the user’s hooks run too', async () => {
    const seen = counting(() => ok({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4' }));
    const api = createClient({ baseUrl: base });
    const calls: string[] = [];
    const child = api.extend({ hooks: { beforeRequest: [() => void calls.push('before')] }, headers: { 'x-child': '1' } });
    expect(await settle(child.get('x').json())).toEqual({ ok: true });
    expect(calls).toEqual(['before']);
    expect(seen[0]!.request.headers.get('x-child')).toBe('1');
    expect(api.quota.snapshot()[0]).toMatchObject({ limit: 5, source: 'server' });
    await api.quota.close();
  });

  it('a user hook that answers from a cache gives the token back; one that replaces the request takes no second token', async () => {
    const seen = counting(() => ok({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '4' }));
    const api = createClient({ baseUrl: base });
    const cached = api.extend({ hooks: { beforeRequest: [() => HttpResponse.json({ cached: true })] } });
    expect(await settle(cached.get('x').json())).toEqual({ cached: true });
    expect(api.quota.inFlight).toBe(0);
    const replacing = api.extend({ hooks: { beforeRequest: [({ request }) => new Request(request, { headers: { 'x-replaced': 'yes' } })] } });
    expect(await settle(replacing.get('y').json())).toEqual({ ok: true });
    expect(seen.map((entry) => entry.request.headers.get('x-replaced'))).toEqual(['yes']);
    expect(api.quota.inFlight).toBe(0);
    expect(api.quota.snapshot()[0]?.inFlight).toBe(0);
    await api.quota.close();
  });

  it('a token is given back when a later init hook replaces the fetch, or a beforeRetry hook answers', async () => {
    const seen = counting((n) => (n === 1 ? HttpResponse.json({}, { status: 500 }) : ok()));
    const api = createClient({ baseUrl: base, quota: { coalesce: false } });
    // An init hook after ours sends through its own fetch: our fetch never takes the token.
    const stubbed = api.extend({ hooks: { init: [(options) => void (options.fetch = async () => HttpResponse.json({ stubbed: true }))] } });
    expect(await settle(stubbed.get('x').json())).toEqual({ stubbed: true });
    expect(api.quota.inFlight).toBe(0);
    // The retry's token is taken by our beforeRetry hook; a later one answers from a cache instead.
    const cached = api.extend({ retry: { limit: 1, delay: () => 0 }, hooks: { beforeRetry: [() => HttpResponse.json({ cached: true })] } });
    expect(await settle(cached.get('y').json())).toEqual({ cached: true });
    expect(seen).toHaveLength(1);
    expect(api.quota.inFlight).toBe(0);
    expect(api.quota.snapshot()[0]?.inFlight).toBe(0);
    await api.quota.close();
  });

  it('withQuota() adds the quota to an existing ky instance in one line, keeping its options', async () => {
    const seen = counting(() => ok({ 'x-ratelimit-limit': '7', 'x-ratelimit-remaining': '6' }));
    const existing = ky.create({ baseUrl: base, headers: { authorization: 'Bearer secret' }, retry: 4 });
    const api = withQuota(existing);
    expect(await settle(api.get('x').json())).toEqual({ ok: true });
    expect(seen[0]!.request.headers.get('authorization')).toBe('Bearer secret');
    const [bucket] = api.quota.snapshot();
    expect(bucket!.key).toMatch(/^https:\/\/api\.test#[\da-f]{8}$/);
    expect(bucket!.key).not.toContain('secret');
    expect(bucket!.limit).toBe(7);
    await api.quota.close();
  });

  it('throwHttpErrors: false returns the 429 response (ky does not retry), and the bucket still learns', async () => {
    counting(() => HttpResponse.json({}, { status: 429, headers: { 'retry-after': '2', 'x-ratelimit-limit': '3', 'x-ratelimit-remaining': '0' } }));
    const api = createClient({ baseUrl: base, throwHttpErrors: false });
    const response = (await settle(api.get('x'))) as Response;
    expect(response.status).toBe(429);
    expect(api.quota.snapshot()[0]).toMatchObject({ limit: 3 });
    await api.quota.close();
  });

  it('different credentials spend different buckets; a server-named bucket narrows a route', async () => {
    counting((_n, request) =>
      ok(
        new URL(request.url).pathname.startsWith('/search')
          ? { 'x-ratelimit-limit': '30', 'x-ratelimit-remaining': '29', 'x-ratelimit-resource': 'search', 'x-ratelimit-used': '1' }
          : { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4999', 'x-ratelimit-resource': 'core', 'x-ratelimit-used': '1' },
      ),
      'get',
      'https://api.github.com/',
    );
    const api = createClient({ baseUrl: 'https://api.github.com/' });
    await settle(api.get('search/code').json());
    await settle(api.get('search/code').json());
    await settle(api.get('repos/a/b').json());
    await settle(api.get('repos/a/b').json());
    await settle(api.get('repos/a/b', { headers: { authorization: 'token one' } }).json());
    await settle(api.get('repos/a/b', { headers: { authorization: 'token two' } }).json());
    const snapshot = api.quota.snapshot();
    const keys = snapshot.map((bucket) => bucket.key);
    // The first bucket the server names for a base (here `search`) adopts the base's bucket; a second
    // name on the same base (`core`) is a bucket of its own: two server buckets, two of ours.
    expect(keys).toContain('https://api.github.com');
    expect(keys).toContain('https://api.github.com/core');
    expect(snapshot.find((bucket) => bucket.key === 'https://api.github.com')?.limit).toBe(30);
    expect(snapshot.find((bucket) => bucket.key === 'https://api.github.com/core')?.limit).toBe(5000);
    // Different credentials: different buckets, each adopting its own first server-named bucket.
    const credentialed = keys.filter((key) => key.includes('#'));
    expect(credentialed.length).toBe(2);
    for (const key of credentialed) expect(key).not.toContain('/core');
    await api.quota.close();
  });

  it('context.bucketKey and the bucketKey option choose the bucket', async () => {
    counting(() => ok({ 'x-ratelimit-limit': '9', 'x-ratelimit-remaining': '8' }));
    const api = createClient({ baseUrl: base, quota: { bucketKey: (request) => (request.url.includes('/admin') ? 'admin' : undefined) } });
    await settle(api.get('admin/users').json());
    await settle(api.get('items').json());
    await settle(api.get('items', { context: { bucketKey: 'mine' } }).json());
    expect(api.quota.snapshot().map((bucket) => bucket.key).sort()).toEqual(['admin', 'https://api.test', 'mine']);
    await api.quota.close();
  });
});

describe('bad input from servers and callers', () => {
  const garbage: [string, Record<string, string>][] = [
    ['malformed', { 'x-ratelimit-limit': 'lots', 'x-ratelimit-remaining': '??', 'x-ratelimit-reset': 'soon' }],
    ['negative', { 'x-ratelimit-limit': '-5', 'x-ratelimit-remaining': '-1', 'x-ratelimit-reset': '-30' }],
    ['huge', { 'x-ratelimit-limit': '1e308', 'x-ratelimit-remaining': '99999999999999999999', 'x-ratelimit-reset': '99999999999999' }],
    ['contradictory', { 'x-ratelimit-limit': '10', 'x-ratelimit-remaining': '50', 'x-ratelimit-reset': '1' }],
    ['broken structured field', { ratelimit: '"a";r=;t=', 'ratelimit-policy': '"a";q=abc;w=-1' }],
    ['huge retry-after on a 200', { 'retry-after': '99999999' }],
    ['10 kB value', { 'x-ratelimit-remaining': '9'.repeat(10_240) }],
  ];
  for (const [name, headers] of garbage) {
    it(`${name} headers never throw from a hook and never stall the queue past the cap`, async () => {
      const seen = counting(() => ok(headers));
      const api = createClient({ baseUrl: base, quota: { maxRetryAfterMs: 5000 } });
      const results = await settle(Promise.all(Array.from({ length: 5 }, (_, index) => api.get(`x/${index}`).json())), 10, 30_000);
      expect(results).toEqual(Array.from({ length: 5 }, () => ({ ok: true })));
      expect(seen.length).toBe(5);
      await api.quota.close();
    });
  }

  it('validates options with messages that name the option', () => {
    expect(() => createClient({ quota: { concurrency: 0 } })).toThrow(new RangeError('Expected `concurrency` to be an integer >= 1 or Infinity, got `0` (number)'));
    expect(() => createClient({ quota: { maxQueue: Number.NaN } })).toThrow(TypeError);
    expect(() => createClient({ quota: { limit: 5 } })).toThrow(/`limit` and `windowMs`/);
    expect(() => createClient({ quota: { cost: -1 } })).toThrow(RangeError);
    expect(() => createClient({ quota: { maxRetryAfterMs: Number.POSITIVE_INFINITY } })).toThrow(RangeError);
  });

  it('a bad per-request cost fails that call synchronously with a clear error', () => {
    const api = createClient({ baseUrl: base });
    expect(() => api.get('x', { context: { cost: Number.NaN } })).toThrow(/context\.cost/);
  });
});

describe('configured limit', () => {
  it('paces by limit/windowMs from the first request when the server says nothing', async () => {
    const seen = counting(() => ok());
    const api = createClient({ baseUrl: base, quota: { limit: 2, windowMs: 1000 } });
    await settle(Promise.all(Array.from({ length: 6 }, (_, index) => api.get(`x/${index}`).json())));
    const times = seen.map((entry) => entry.at);
    for (let index = 2; index < times.length; index++) expect(times[index]! - times[index - 2]!).toBeGreaterThanOrEqual(1000);
    expect(api.quota.snapshot()[0]).toMatchObject({ limit: 2, source: 'configured' });
    await api.quota.close();
  });
});
