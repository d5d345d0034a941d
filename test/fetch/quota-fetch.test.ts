import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { createClient, createQuotaFetch, CostExceedsLimitError, type CostInput } from '../../src/index.ts';
import { settle, useMswWithFakeTime } from '../support/msw-fake-time.ts';

const server = useMswWithFakeTime();

const base = 'https://api.test/';

interface Seen {
  readonly at: number;
  readonly method: string;
  readonly body: string;
  readonly headers: Headers;
}

/** Records every request and answers with what `reply` returns for the n-th one. */
function serve(reply: (n: number) => Response) {
  const seen: Seen[] = [];
  server.use(
    http.all(`${base}*`, async ({ request }) => {
      seen.push({ at: Date.now(), method: request.method, body: await request.text(), headers: request.headers });
      return reply(seen.length);
    }),
  );
  return seen;
}

const limited = (remaining: number, limit = 3) =>
  HttpResponse.json({ ok: true }, { headers: { 'ratelimit-policy': `"default";q=${limit};w=1`, ratelimit: `"default";r=${remaining};t=1` } });

describe('createQuotaFetch', () => {
  it('is a fetch: usable where `typeof fetch` is expected, with the quota at .quota', async () => {
    serve(() => limited(2));
    const quotaFetch = createQuotaFetch();
    const asFetch: typeof fetch = quotaFetch;
    const response = (await settle(asFetch(`${base}a`))) as Response;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(quotaFetch.quota.snapshot()).toMatchObject([{ key: 'https://api.test', limit: 3, source: 'server' }]);
    await quotaFetch.quota.close();
  });

  it('probes first, learns the limit, then gates every call on it', async () => {
    const seen = serve((n) => limited(Math.max(0, 3 - n)));
    const quotaFetch = createQuotaFetch();
    const all = Promise.all(Array.from({ length: 5 }, (_, index) => quotaFetch(`${base}${index}`)));
    await settle(all);
    expect(seen).toHaveLength(5);
    // One probe, two more in the first window (3 per second), the rest after it.
    expect(seen.filter((entry) => entry.at - seen[0]!.at < 900)).toHaveLength(3);
    await quotaFetch.quota.close();
  });

  it('returns a 429 instead of throwing, even one asking for more than maxRetryAfterMs, and never retries', async () => {
    const seen = serve(() => HttpResponse.json({ error: 'slow down' }, { status: 429, headers: { 'retry-after': '3600' } }));
    const quotaFetch = createQuotaFetch({ quota: { maxRetryAfterMs: 5000 } });
    const events: number[] = [];
    quotaFetch.quota.on('limited', (event) => events.push(event.status));
    const response = (await settle(quotaFetch(`${base}x`))) as Response;
    expect(response.status).toBe(429);
    expect(seen).toHaveLength(1);
    expect(events).toEqual([429]);
    // The next attempt (the SDK's retry) waits for the pause, capped at maxRetryAfterMs.
    const start = Date.now();
    await settle(quotaFetch(`${base}x`));
    expect(seen).toHaveLength(2);
    expect(seen[1]!.at - start).toBeGreaterThanOrEqual(4900);
    await quotaFetch.quota.close();
  });

  it('sends bodies untouched (strings, Request bodies) and strips its own init.quota', async () => {
    const seen = serve(() => limited(2, 10));
    const quotaFetch = createQuotaFetch({ cost: 'openai' });
    await settle(quotaFetch(`${base}s`, { method: 'POST', body: '{"max_tokens":1}', headers: { 'content-type': 'application/json' }, quota: { priority: 5 } }));
    const request = new Request(`${base}r`, { method: 'POST', body: '{"max_tokens":2}', headers: { 'content-type': 'application/json' } });
    await settle(quotaFetch(request));
    expect(seen.map((entry) => [entry.method, entry.body])).toEqual([
      ['POST', '{"max_tokens":1}'],
      ['POST', '{"max_tokens":2}'],
    ]);
    await quotaFetch.quota.close();
  });

  it('prices calls by a cost function that sees the parsed body, or by init.quota.cost', async () => {
    serve(() => limited(9, 10));
    const inputs: CostInput[] = [];
    const quotaFetch = createQuotaFetch({
      cost: (input) => {
        inputs.push(input);
        return { requests: 1, widgets: 2 };
      },
    });
    await settle(quotaFetch(`${base}f`, { method: 'POST', body: JSON.stringify({ size: 7 }), headers: { authorization: 'Bearer k' } }));
    expect(inputs).toHaveLength(1);
    expect(inputs[0]!.body).toEqual({ size: 7 });
    expect(inputs[0]!.request.headers.get('authorization')).toBe('Bearer k');
    await settle(quotaFetch(`${base}g`, { quota: { cost: { requests: 1 } } }));
    expect(inputs).toHaveLength(1);
    await quotaFetch.quota.close();
  });

  it('shares buckets with a ky client built on the same quota', async () => {
    const seen = serve((n) => limited(Math.max(0, 2 - n), 2));
    const api = createClient({ baseUrl: base, retry: 0 });
    const quotaFetch = createQuotaFetch({ quota: api.quota });
    expect(quotaFetch.quota).toBe(api.quota);
    await settle(api.get('ky').json());
    await settle(quotaFetch(`${base}fetch`));
    // Two spent by ky and fetch together: the third (either) waits for the next window.
    const start = Date.now();
    await settle(quotaFetch(`${base}third`));
    expect(seen).toHaveLength(3);
    expect(seen[2]!.at - start).toBeGreaterThanOrEqual(500);
    expect(api.quota.snapshot()).toHaveLength(1);
    await api.quota.close();
  });

  it('rejects at once with CostExceedsLimitError when a call costs more than the whole limit', async () => {
    const seen = serve(() =>
      HttpResponse.json({}, { headers: { 'x-ratelimit-limit-requests': '100', 'x-ratelimit-remaining-requests': '99', 'x-ratelimit-reset-requests': '600ms', 'x-ratelimit-limit-tokens': '1000', 'x-ratelimit-remaining-tokens': '990', 'x-ratelimit-reset-tokens': '600ms' } }),
    );
    const quotaFetch = createQuotaFetch({ cost: 'openai' });
    await settle(quotaFetch(`${base}v1/chat/completions`, { method: 'POST', body: JSON.stringify({ max_tokens: 10, messages: [] }) }));
    const error = await settle(quotaFetch(`${base}v1/chat/completions`, { method: 'POST', body: JSON.stringify({ max_tokens: 5000, messages: [] }) }), 1, 5);
    expect(error).toBeInstanceOf(CostExceedsLimitError);
    expect(error).toMatchObject({ unit: 'tokens', cost: 5000, limit: 1000 });
    expect(seen).toHaveLength(1);
    await quotaFetch.quota.close();
  });

  it('rejects with the abort reason when the caller aborts the wait', async () => {
    serve(() => limited(0, 1));
    const quotaFetch = createQuotaFetch();
    await settle(quotaFetch(`${base}a`));
    const controller = new AbortController();
    const waiting = quotaFetch(`${base}b`, { signal: controller.signal });
    controller.abort(new Error('user gave up'));
    expect(await settle(waiting)).toMatchObject({ message: 'user gave up' });
    expect(quotaFetch.quota.queued).toBe(0);
    await quotaFetch.quota.close();
  });

  it('frees the slot and rethrows when the network fails', async () => {
    server.use(http.all(`${base}*`, () => HttpResponse.error()));
    const quotaFetch = createQuotaFetch();
    expect(await settle(quotaFetch(`${base}down`))).toBeInstanceOf(TypeError);
    expect(quotaFetch.quota.inFlight).toBe(0);
    await quotaFetch.quota.close();
  });

  it('uses the fetch it is given, and validates its options', async () => {
    const calls: string[] = [];
    const quotaFetch = createQuotaFetch({
      fetch: async (input) => {
        calls.push(String(input));
        return new Response('stub');
      },
    });
    expect(await ((await settle(quotaFetch('https://elsewhere.test/x'))) as Response).text()).toBe('stub');
    expect(calls).toEqual(['https://elsewhere.test/x']);
    await quotaFetch.quota.close();
    expect(() => createQuotaFetch({ cost: 'gemini' as never })).toThrow(TypeError);
    expect(() => createQuotaFetch({ cost: -1 })).toThrow(RangeError);
    expect(() => createQuotaFetch({ fetch: 'no' as never })).toThrow(TypeError);
    expect(() => createQuotaFetch({ priority: Number.NaN })).toThrow(TypeError);
    expect(() => createQuotaFetch({ quota: { concurrency: 0 } })).toThrow(RangeError);
  });
});
