import ky, { replaceOption } from 'ky';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createClient, QueueFullError, withQuota } from '../../src/index.ts';
import { settle, useMswWithFakeTime } from '../support/msw-fake-time.ts';

const server = useMswWithFakeTime();
const base = 'https://api.test/';

function counting(reply: (request: Request) => Response = () => HttpResponse.json({ ok: true })) {
  const seen: Request[] = [];
  server.use(
    http.all(`${base}*`, ({ request }) => {
      seen.push(request);
      return reply(request);
    }),
  );
  return seen;
}

/** One request per hour, spent by a first call: every later call waits at the gate. */
async function spentClient(extra: Parameters<typeof createClient>[0] = {}) {
  const api = createClient({ baseUrl: base, ...extra, quota: { limit: 1, windowMs: 3_600_000, coalesce: false, ...extra.quota } });
  await settle(api.get('first').json());
  return api;
}

describe('the front gate', () => {
  it('a queued call waits before ky builds anything: no init hook ran, and an abort rejects it at once with the caller’s reason', async () => {
    const seen = counting();
    const api = await spentClient();
    let inits = 0;
    const child = api.extend({ hooks: { init: [() => void inits++] } });
    const controller = new AbortController();
    const calls = [child.get('a', { signal: controller.signal }).json(), child.get('b', { signal: controller.signal }).text()];
    const outcomes = Promise.allSettled(calls);
    await vi.advanceTimersByTimeAsync(100);
    expect(api.quota.queued).toBe(2);
    expect(inits).toBe(0);
    const reason = new Error('gone');
    controller.abort(reason);
    expect((await outcomes).map((outcome) => (outcome.status === 'rejected' ? outcome.reason : outcome.value))).toEqual([reason, reason]);
    expect(api.quota.queued).toBe(0);
    expect(inits).toBe(0);
    expect(seen).toHaveLength(1);
    await api.quota.close();
  });

  it('answers like ky’s ResponsePromise: an awaited Response and every body shortcut, with the Accept each sets', async () => {
    const seen = counting((request) => HttpResponse.json({ accept: request.headers.get('accept') }));
    const api = createClient({ baseUrl: base, quota: { coalesce: false } });
    const response = await settle(api.get('r'));
    expect(response).toBeInstanceOf(Response);
    expect(await (response as Response).json()).toEqual({ accept: '*/*' });
    expect(await settle(api.get('j').json())).toEqual({ accept: 'application/json' });
    expect(JSON.parse((await settle(api.get('t').text())) as string)).toEqual({ accept: 'text/*' });
    expect(((await settle(api.get('a').arrayBuffer())) as ArrayBuffer).byteLength).toBeGreaterThan(0);
    expect(await settle(api.get('b').blob())).toBeInstanceOf(Blob);
    expect(await settle(api.get('y').bytes())).toBeInstanceOf(Uint8Array);
    expect(await settle(api.post('p', { json: { a: 1 } }).json())).toEqual({ accept: 'application/json' });
    expect(seen.map((request) => `${request.method} ${new URL(request.url).pathname}`)).toEqual(['GET /r', 'GET /j', 'GET /t', 'GET /a', 'GET /b', 'GET /y', 'POST /p']);
    await api.quota.close();
  });

  it('the gate’s token is the first attempt’s: with a limit of 2, two calls go and the third waits', async () => {
    const seen = counting();
    const api = createClient({ baseUrl: base, quota: { limit: 2, windowMs: 60_000, coalesce: false } });
    const calls = ['a', 'b', 'c'].map((path) => api.get(path).json());
    const third = calls[2]!.catch((error: unknown) => error);
    expect(await settle(Promise.all(calls.slice(0, 2)))).toEqual([{ ok: true }, { ok: true }]);
    await vi.advanceTimersByTimeAsync(1000);
    expect(seen.map((request) => new URL(request.url).pathname)).toEqual(['/a', '/b']);
    expect(api.quota.queued).toBe(1);
    expect(api.quota.inFlight).toBe(0);
    await api.quota.close();
    expect(await third).toMatchObject({ name: 'QuotaClosedError' });
  });

  it('resolves prefix, baseUrl and searchParams as ky does, and spends the bucket of the call’s credential', async () => {
    const seen = counting();
    const api = createClient({ prefix: 'https://api.test/v1/', searchParams: { page: 1 }, quota: { coalesce: false } });
    await settle(api.get('/items', { searchParams: { size: 5 }, headers: { authorization: 'Bearer one' } }).json());
    await settle(api.get('items').json());
    expect(seen.map((request) => request.url)).toEqual(['https://api.test/v1/items?page=1&size=5', 'https://api.test/v1/items?page=1']);
    const keys = api.quota.snapshot().map((bucket) => bucket.key).sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe('https://api.test');
    expect(keys[1]).toMatch(/^https:\/\/api\.test#[\da-f]{8}$/);
    await api.quota.close();
  });

  it('a hook that moves the request to another bucket (adds a credential) spends that bucket, not the guessed one', async () => {
    counting();
    // The existing instance's hooks run before the quota's: the gate guessed the bucket without the credential.
    const existing = ky.create({ baseUrl: base, hooks: { beforeRequest: [({ request }) => void request.headers.set('authorization', 'Bearer late')] } });
    const api = withQuota(existing, { coalesce: false });
    expect(await settle(api.get('x').json())).toEqual({ ok: true });
    const buckets = api.quota.snapshot();
    const credentialed = buckets.find((bucket) => bucket.key.includes('#'));
    expect(credentialed).toBeDefined();
    expect(buckets.every((bucket) => bucket.inFlight === 0)).toBe(true);
    expect(api.quota.queued).toBe(0);
    await api.quota.close();
  });

  it('extend() and withQuota(existing) give gated instances under the same quota', async () => {
    counting();
    const api = await spentClient();
    const child = api.extend({ headers: { 'x-child': '1' } });
    expect(child.quota).toBe(api.quota);
    void child.get('c').json().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(10);
    expect(api.quota.queued).toBe(1);
    const wrapped = withQuota(ky.create({ baseUrl: base }), { maxQueue: 1, limit: 1, windowMs: 3_600_000 });
    let inits = 0;
    const grandchild = wrapped.extend({ hooks: { init: [() => void inits++] } });
    await settle(grandchild.get('first').json());
    expect(inits).toBe(1);
    void grandchild.get('second').json().catch(() => undefined);
    await vi.advanceTimersByTimeAsync(10);
    expect(inits).toBe(1);
    expect(await settle(grandchild.get('third').json())).toBeInstanceOf(QueueFullError);
    await api.quota.close();
    await wrapped.quota.close();
  });

  it('a token taken for a call whose quota hooks were replaced away is given back when the call ends', async () => {
    counting();
    const api = createClient({ baseUrl: base, quota: { coalesce: false } });
    const bare = api.extend({ hooks: replaceOption({}) });
    expect(await settle(bare.get('x').json())).toEqual({ ok: true });
    expect(api.quota.inFlight).toBe(0);
    await api.quota.close();
  });

  it('options that are not an object, and a bad context, throw from the call itself as ky and the hooks did', async () => {
    const api = createClient({ baseUrl: base });
    expect(() => api.get('x', 'nope' as never)).toThrow(TypeError);
    expect(() => api.get('x', { context: { priority: Number.NaN } })).toThrow(/context\.priority/);
    expect(() => api.get('x', { context: { coalesce: 'yes' as never } })).toThrow(/context\.coalesce/);
    await api.quota.close();
  });
});
