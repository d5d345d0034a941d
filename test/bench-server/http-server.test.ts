import { afterEach, describe, expect, it } from 'vitest';
import { startReferenceServer } from '../../bench/server/http-server.ts';
import type { ReferenceServer } from '../../bench/server/http-server.ts';

let server: ReferenceServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startReferenceServer', () => {
  it('serves on loopback, limits, emits the dialect, and counts', async () => {
    server = await startReferenceServer({ algorithm: 'fixed', limit: 2, windowMs: 60_000, dialect: 'ietf', latency: [1, 2] });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const responses = [];
    for (let index = 0; index < 3; index += 1) responses.push(await fetch(new URL('x', server.url)));
    expect(responses.map((response) => response.status)).toEqual([200, 200, 429]);
    expect(await responses[0]?.json()).toEqual({ ok: true, n: 1 });
    expect(responses[0]?.headers.get('ratelimit-policy')).toBe('"default";q=2;w=60');
    expect(responses[1]?.headers.get('ratelimit')).toMatch(/^"default";r=0;t=\d+$/);
    expect(Number(responses[2]?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    await responses[2]?.arrayBuffer();
    expect(server.stats()).toMatchObject({ accepted: 2, rejected: 1, maxAcceptedPerWindow: 2 });
  });

  it('applies latency, setLimit, a schedule, and restart', async () => {
    server = await startReferenceServer({
      algorithm: 'sliding',
      limit: 5,
      windowMs: 1000,
      dialect: 'x-ratelimit-epoch',
      latency: [20, 30],
      schedule: [{ atMs: 0, limit: 1 }],
    });
    const started = performance.now();
    const first = await fetch(server.url);
    expect(performance.now() - started).toBeGreaterThanOrEqual(19);
    expect(first.headers.get('x-ratelimit-limit')).toBe('1');
    await first.arrayBuffer();
    server.setLimit(3);
    const second = await fetch(server.url);
    expect(second.headers.get('x-ratelimit-remaining')).toBe('1');
    await second.arrayBuffer();
    server.restart();
    expect(server.stats().accepted).toBe(0);
  });

  it('closes promptly with requests in flight', async () => {
    server = await startReferenceServer({ algorithm: 'bucket', limit: 10, windowMs: 1000, dialect: 'none', latency: [500, 500] });
    const pending = Promise.allSettled([fetch(server.url), fetch(server.url)]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await server.close();
    server = undefined;
    const results = await pending;
    expect(performance.now() - started).toBeLessThan(400);
    expect(results.every((result) => result.status === 'rejected')).toBe(true);
  });
});
