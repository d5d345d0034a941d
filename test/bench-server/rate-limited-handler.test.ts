import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { setupServer } from 'msw/node';
import { rateLimitedHandler } from '../support/rate-limited-handler.ts';

const T0 = 1_700_000_000_000;
let clock = T0;
const sliding = rateLimitedHandler({
  url: 'https://api.test/sliding',
  algorithm: 'sliding',
  limit: 2,
  windowMs: 1000,
  dialect: 'github',
  now: () => clock,
});
const openai = rateLimitedHandler({
  method: 'POST',
  url: 'https://api.test/openai',
  algorithm: 'bucket',
  limit: 3,
  windowMs: 60_000,
  dialect: 'openai',
  now: () => clock,
});
const faked = rateLimitedHandler({
  url: 'https://api.test/fake-timers',
  algorithm: 'fixed',
  limit: 1,
  windowMs: 1000,
  dialect: 'x-ratelimit-delta',
});
const server = setupServer(sliding.handler, openai.handler, faked.handler);

beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
afterEach(() => {
  clock = T0;
  sliding.reset();
  openai.reset();
  faked.reset();
  vi.useRealTimers();
});
afterAll(() => server.close());

describe('rateLimitedHandler', () => {
  it('answers 200 with GitHub headers, then 429 with Retry-After, and counts', async () => {
    const first = await fetch('https://api.test/sliding');
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true, n: 1 });
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(first.headers.get('x-ratelimit-used')).toBe('1');
    expect(first.headers.get('x-ratelimit-reset')).toBe('1700000001');
    expect(first.headers.get('x-ratelimit-resource')).toBe('core');
    expect(first.headers.get('date')).toBe(new Date(T0).toUTCString());
    clock += 300;
    expect((await fetch('https://api.test/sliding')).status).toBe(200);
    clock += 100;
    const limited = await fetch('https://api.test/sliding');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    clock = T0 + 1000;
    expect((await fetch('https://api.test/sliding')).status).toBe(200);
    expect(sliding.stats).toMatchObject({ accepted: 3, rejected: 1, maxAcceptedPerWindow: 2 });
  });

  it('matches the method and emits OpenAI Go durations', async () => {
    const response = await fetch('https://api.test/openai', { method: 'POST', body: '{}' });
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('3');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('2');
    expect(response.headers.get('x-ratelimit-reset-requests')).toBe('20s');
    await fetch('https://api.test/openai', { method: 'POST' });
    const third = await fetch('https://api.test/openai', { method: 'POST' });
    expect(third.headers.get('x-ratelimit-reset-requests')).toBe('1m0s');
    expect((await fetch('https://api.test/openai', { method: 'POST' })).status).toBe(429);
    expect(openai.stats.rejected).toBe(1);
  });

  it('follows vitest fake timers through the default clock', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(T0 + 400);
    expect((await fetch('https://api.test/fake-timers')).headers.get('x-ratelimit-reset')).toBe('1');
    const limited = await fetch('https://api.test/fake-timers');
    expect(limited.status).toBe(429);
    vi.setSystemTime(T0 + 1000);
    expect((await fetch('https://api.test/fake-timers')).status).toBe(200);
  });

  it('setLimit takes effect on the next request', async () => {
    sliding.setLimit(0);
    expect((await fetch('https://api.test/sliding')).status).toBe(429);
  });
});
