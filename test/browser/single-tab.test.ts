import { afterEach, describe, expect, it, vi } from 'vitest';
import { createClient } from '../../src/index.ts';
import { supportsDocument, supportsWebLocks } from '../../src/utils/supports.ts';
import { handlersFetch } from '../support/handlers-fetch.ts';
import { rateLimitedHandler } from '../support/rate-limited-handler.ts';

// happy-dom installs its own fetch, which msw/node cannot patch: answer from the handlers directly.

describe('in a page (happy-dom)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs in a document without Web Locks and keeps the buckets in memory', async () => {
    expect(supportsDocument()).toBe(true);
    // happy-dom's navigator.locks is null: no cross-tab election is possible here.
    expect(supportsWebLocks()).toBe(false);
    vi.useFakeTimers({ now: Date.parse('2026-11-23T12:00:00.000Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const limited = rateLimitedHandler({ url: 'https://api.test/items', algorithm: 'sliding', limit: 5, windowMs: 1000, dialect: 'ietf' });
    const api = createClient({ baseUrl: 'https://api.test/', fetch: handlersFetch([limited.handler]) });
    const all = Promise.all(Array.from({ length: 12 }, () => api.get('items').json<{ ok: boolean }>()));
    await vi.advanceTimersByTimeAsync(3000);
    const bodies = await all;
    expect(bodies.every((body) => body.ok)).toBe(true);
    expect(limited.stats.rejected).toBe(0);
    expect(limited.stats.maxAcceptedPerWindow).toBeLessThanOrEqual(5);
    expect(api.quota.snapshot()).toMatchObject([{ key: 'https://api.test', limit: 5, windowMs: 1000, store: 'memory' }]);
    await api.quota.close();
  });
});
