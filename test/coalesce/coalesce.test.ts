import ky, { isHTTPError } from 'ky';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createClient, withQuota } from '../../src/index.ts';
import { settle, useMswWithFakeTime } from '../support/msw-fake-time.ts';

const server = useMswWithFakeTime();
const base = 'https://api.test/';

/** A server that counts requests; answers after `delayMs` with a body naming the request's number. */
function counting(options: { delayMs?: number; status?: number } = {}) {
  const seen: Request[] = [];
  server.use(
    http.all(`${base}*`, async ({ request }) => {
      seen.push(request);
      const n = seen.length;
      if (options.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      return HttpResponse.json({ n, path: new URL(request.url).pathname }, { status: options.status ?? 200 });
    }),
  );
  return seen;
}

/** A client whose one request per hour is spent: every later request waits at the gate. */
async function spent(quota: Parameters<typeof createClient>[0] = {}) {
  const api = createClient({ baseUrl: base, ...quota, quota: { limit: 1, windowMs: 3_600_000, ...quota.quota } });
  await settle(api.get('warm').json());
  return api;
}

describe('in-tab coalescing of identical GETs', () => {
  it('identical GETs in flight at once share one request; each caller reads its own body', async () => {
    const seen = counting({ delayMs: 50 });
    const api = createClient({ baseUrl: base });
    const calls = Array.from({ length: 5 }, () => api.get('items', { searchParams: { page: 2 } }).json());
    const results = (await settle(Promise.all(calls))) as unknown[];
    expect(seen).toHaveLength(1);
    expect(results).toEqual(Array.from({ length: 5 }, () => ({ n: 1, path: '/items' })));
    expect(new Set(results).size).toBe(5);
    await api.quota.close();
  });

  it('queued duplicates take no token and wait outside the scheduler; the shared request spends one token', async () => {
    const seen = counting();
    const api = createClient({ baseUrl: base, quota: { limit: 3, windowMs: 3_600_000 } });
    const calls = Array.from({ length: 4 }, () => api.get('items').json());
    await vi.advanceTimersByTimeAsync(0);
    expect(api.quota.queued + api.quota.inFlight).toBeLessThanOrEqual(1);
    await settle(Promise.all(calls));
    expect(seen).toHaveLength(1);
    expect(api.quota.snapshot()[0]).toMatchObject({ limit: 3, remaining: 2, inFlight: 0 });
    // Two other requests still fit: the coalesced ones did not count.
    expect(await settle(Promise.all([api.get('a').json(), api.get('b').json()]))).toHaveLength(2);
    expect(seen).toHaveLength(3);
    await api.quota.close();
  });

  it('requests that differ in URL, search parameters, method or headers do not share; tracing ids do not matter', async () => {
    const seen = counting();
    const api = createClient({ baseUrl: base });
    await settle(
      Promise.all([
        api.get('x').json(),
        api.get('y').json(),
        api.get('x', { searchParams: { q: 1 } }).json(),
        api.get('x', { headers: { authorization: 'Bearer other' } }).json(),
        api.get('x', { headers: { 'accept-language': 'de' } }).json(),
        api.get('x').text(),
        api.head('x'),
        api.post('x').json(),
        api.post('x').json(),
        api.get('x', { headers: { 'x-request-id': 'one', traceparent: '00-1' } }).json(),
      ]),
    );
    // The last GET x joined the first one; everything else went on its own.
    expect(seen).toHaveLength(9);
    await api.quota.close();
  });

  it('opts out per request with context.coalesce: false, and per client with quota.coalesce: false', async () => {
    const seen = counting();
    const api = createClient({ baseUrl: base });
    await settle(Promise.all([api.get('x').json(), api.get('x', { context: { coalesce: false } }).json(), api.get('x').json()]));
    expect(seen).toHaveLength(2);
    const off = createClient({ baseUrl: base, quota: { coalesce: false } });
    await settle(Promise.all([off.get('z').json(), off.get('z').json()]));
    expect(seen).toHaveLength(4);
    await api.quota.close();
    await off.quota.close();
  });

  it('a follower that aborts rejects alone with its reason; when the first caller aborts while queued, a follower takes its place', async () => {
    const seen = counting();
    const api = await spent();
    const first = new AbortController();
    const second = new AbortController();
    const calls = [api.get('x', { signal: first.signal }).json(), api.get('x', { signal: second.signal }).json(), api.get('x').json()];
    const outcomes = Promise.allSettled(calls);
    await vi.advanceTimersByTimeAsync(10);
    expect(api.quota.queued).toBe(1);
    const secondReason = new Error('second left');
    second.abort(secondReason);
    const firstReason = new Error('first left');
    first.abort(firstReason);
    await vi.advanceTimersByTimeAsync(10);
    // The third caller now waits in the first one's place.
    expect(api.quota.queued).toBe(1);
    await vi.advanceTimersByTimeAsync(3_600_000);
    const settled = await outcomes;
    expect(settled.map((outcome) => (outcome.status === 'rejected' ? outcome.reason : outcome.value))).toEqual([firstReason, secondReason, { n: 2, path: '/x' }]);
    expect(seen).toHaveLength(2);
    await api.quota.close();
  });

  it('a final error response reaches every caller as its own HTTPError with the body ky read; the group is not retried per caller', async () => {
    const seen = counting({ status: 500, delayMs: 20 });
    const api = createClient({ baseUrl: base, retry: { limit: 1, delay: () => 100 } });
    const calls = Array.from({ length: 3 }, () => api.get('broken').json().catch((error: unknown) => error));
    const errors = (await settle(Promise.all(calls))) as unknown[];
    // One first attempt and one retry, for all three callers.
    expect(seen).toHaveLength(2);
    for (const error of errors) {
      expect(isHTTPError(error)).toBe(true);
      if (isHTTPError(error)) expect(error.data).toEqual({ n: 2, path: '/broken' });
    }
    expect(new Set(errors).size).toBe(3);
    await api.quota.close();
  });

  it('a request made while the first one is in flight joins it; if the first caller then aborts, it sends again itself', async () => {
    const seen = counting({ delayMs: 500 });
    const api = createClient({ baseUrl: base });
    /** Advance fake time until the server has seen `count` requests (they answer 500 ms later). */
    const untilSeen = async (count: number) => {
      for (let step = 0; step < 100 && seen.length < count; step++) await vi.advanceTimersByTimeAsync(1);
      expect(seen).toHaveLength(count);
    };
    const first = api.get('x').json();
    await untilSeen(1);
    const joined = api.get('x').json();
    expect(await settle(Promise.all([first, joined]))).toEqual([{ n: 1, path: '/x' }, { n: 1, path: '/x' }]);
    expect(seen).toHaveLength(1);

    const controller = new AbortController();
    const reason = new Error('first caller left');
    const leaving = api.get('y', { signal: controller.signal }).json().catch((error: unknown) => error);
    await untilSeen(2);
    const staying = api.get('y').json();
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(reason);
    expect(await settle(Promise.all([leaving, staying]))).toEqual([reason, { n: 3, path: '/y' }]);
    expect(seen).toHaveLength(3);
    expect(api.quota.inFlight).toBe(0);
    await api.quota.close();
  });

  it('a request made after the response arrived sends its own (its data would be newer)', async () => {
    const seen = counting();
    const api = createClient({ baseUrl: base });
    expect(await settle(api.get('x').json())).toEqual({ n: 1, path: '/x' });
    expect(await settle(api.get('x').json())).toEqual({ n: 2, path: '/x' });
    expect(seen).toHaveLength(2);
    await api.quota.close();
  });

  it('a follower whose hooks build a different request than the first one’s sends its own', async () => {
    const seen = counting({ delayMs: 20 });
    let count = 0;
    // The existing instance's hook stamps each request differently: the built requests are not identical.
    const existing = ky.create({ baseUrl: base, hooks: { beforeRequest: [({ request }) => void request.headers.set('x-stamp', String(++count))] } });
    const api = withQuota(existing);
    const results = (await settle(Promise.all([api.get('x').json(), api.get('x').json(), api.get('x').json()]))) as { n: number }[];
    expect(seen).toHaveLength(3);
    expect(results.map((result) => result.n).sort()).toEqual([1, 2, 3]);
    expect(api.quota.inFlight).toBe(0);
    await api.quota.close();
  });
});
