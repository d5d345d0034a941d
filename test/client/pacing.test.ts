import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/index.ts';
import type { Algorithm } from '../../bench/server/limiters.ts';
import type { Dialect } from '../../bench/server/dialects.ts';
import { rateLimitedHandler } from '../support/rate-limited-handler.ts';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
});
afterAll(() => server.close());
beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-11-23T12:00:00.000Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
});

/**
 * Queue `count` GETs at once against an msw server that enforces `limit` per `windowMs`, under
 * fake time; the client is told nothing. Returns the server's counters once all settled.
 */
async function bulk(options: { algorithm: Algorithm; dialect: Dialect; limit: number; windowMs: number; count: number }) {
  const limited = rateLimitedHandler({ url: 'https://api.test/items', ...options });
  server.use(limited.handler);
  // Identical GETs would share one request (coalescing): this measures pacing, so each is its own.
  const api = createClient({ baseUrl: 'https://api.test/', retry: { limit: 5 }, quota: { coalesce: false } });
  const started = Date.now();
  let done = 0;
  const results = Array.from({ length: options.count }, () =>
    api
      .get('items')
      .json()
      .then(
        () => 'ok',
        (error: unknown) => (error as Error).name,
      )
      .finally(() => done++),
  );
  while (done < options.count) await vi.advanceTimersByTimeAsync(5);
  const outcomes = await Promise.all(results);
  const elapsed = Date.now() - started;
  const snapshot = api.quota.snapshot();
  await api.quota.close();
  return { stats: limited.stats, outcomes, elapsed, snapshot };
}

describe('pacing against msw rate-limited servers, limit not configured', () => {
  const cases: { algorithm: Algorithm; dialect: Dialect }[] = [
    { algorithm: 'sliding', dialect: 'x-ratelimit-epoch' },
    { algorithm: 'fixed', dialect: 'x-ratelimit-delta' },
    { algorithm: 'bucket', dialect: 'openai' },
    { algorithm: 'sliding', dialect: 'ietf' },
    { algorithm: 'fixed', dialect: 'github' },
  ];
  for (const { algorithm, dialect } of cases) {
    it(`${algorithm} window, ${dialect} headers: every request succeeds and the server never sees more than its limit`, async () => {
      const { stats, outcomes, snapshot } = await bulk({ algorithm, dialect, limit: 10, windowMs: 1000, count: 60 });
      expect(outcomes.every((outcome) => outcome === 'ok')).toBe(true);
      expect(stats.accepted).toBe(60);
      // Only a sliding log caps every span of one window; fixed windows and buckets allow bursts at edges.
      if (algorithm === 'sliding') expect(stats.maxAcceptedPerWindow).toBeLessThanOrEqual(10);
      // One probe-learning 429 round at most on unstated windows; none where the policy is explicit.
      expect(stats.rejected).toBeLessThanOrEqual(dialect === 'ietf' || dialect === 'openai' ? 0 : 3);
      expect(snapshot[0]).toMatchObject({ key: 'https://api.test', limit: 10, source: 'server', queued: 0, inFlight: 0 });
    });
  }

  it('a server that sends no quota headers (429 + Retry-After only): every request still succeeds', async () => {
    const { stats, outcomes } = await bulk({ algorithm: 'sliding', dialect: 'none', limit: 10, windowMs: 1000, count: 40 });
    expect(outcomes.every((outcome) => outcome === 'ok')).toBe(true);
    expect(stats.accepted).toBe(40);
    expect(stats.rejected).toBeLessThanOrEqual(10);
  });
});
