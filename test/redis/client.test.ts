import { isHTTPError } from 'ky';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceServer, type ReferenceServer } from '../../bench/server/http-server.ts';
import type { Dialect } from '../../bench/server/dialects.ts';
import { createClient, type QuotaKyInstance, type QuotaStore } from '../../src/index.ts';
import { connections, uniquePrefix } from './support/connections.ts';
import { startRedisServer, type RedisServer } from './support/redis-server.ts';

let redisServer: RedisServer;
const pool = connections();
const apis: QuotaKyInstance[] = [];
const servers: ReferenceServer[] = [];
beforeAll(async () => {
  redisServer = await startRedisServer();
});
afterEach(async () => {
  await Promise.all(apis.splice(0).map((api) => api.quota.close()));
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await pool.closeAll();
});
afterAll(() => redisServer.stop());

async function api(dialect: Dialect, limit: number, windowMs: number): Promise<ReferenceServer> {
  const server = await startReferenceServer({ algorithm: 'sliding', limit, windowMs, dialect, latency: [5, 10] });
  servers.push(server);
  return server;
}

/** `count` clients, each with its own Redis connection and store: as many processes would have. */
function clients(server: ReferenceServer, count: number): QuotaKyInstance[] {
  const prefix = uniquePrefix();
  return Array.from({ length: count }, () => {
    const store = pool.store({ redis: pool.connect(redisServer.url), prefix });
    const client = createClient({ baseUrl: server.url, retry: { limit: 3 }, quota: { store } });
    apis.push(client);
    return client;
  });
}

/** A store that notes when it granted a token and when a report paused the bucket (this process's clock). */
function recording(store: QuotaStore, grants: number[], pauses: { at: number; until: number }[]): QuotaStore {
  return {
    kind: store.kind,
    take: async (request) => {
      // When the take was asked: Redis decides it between then and its reply, so a take asked
      // after a pause was reported must be refused (one answered later may have been decided before).
      const askedAt = Date.now();
      const decision = await store.take(request);
      if (decision.ok) grants.push(askedAt);
      return decision;
    },
    report: async (grant, observation) => {
      const result = await store.report(grant, observation);
      if (result.pausedUntil !== undefined) pauses.push({ at: Date.now(), until: result.pausedUntil });
      return result;
    },
    subscribe: (listener) => store.subscribe(listener),
    snapshot: (now) => store.snapshot(now),
    close: () => store.close(),
  };
}

let requestNumber = 0;

async function send(client: QuotaKyInstance, count: number): Promise<number> {
  const statuses = await Promise.all(
    Array.from({ length: count }, async () => {
      try {
        // a distinct URL per request: identical GETs in flight together may share one response
        await client.get('x', { searchParams: { i: requestNumber++ } }).json();
        return 200;
      } catch (error) {
        if (isHTTPError(error)) return error.response.status;
        throw error;
      }
    }),
  );
  return statuses.filter((status) => status === 200).length;
}

describe('several clients, one Redis bucket, a rate-limited server', () => {
  it('paces three clients together under a stated window: no 429, never more than the limit per window', async () => {
    const server = await api('ietf', 20, 1000);
    const ok = await Promise.all(clients(server, 3).map((client) => send(client, 20)));
    expect(ok).toEqual([20, 20, 20]);
    const stats = server.stats();
    expect(stats.rejected).toBe(0);
    expect(stats.maxAcceptedPerWindow).toBeLessThanOrEqual(20);
  });

  it('stays under the limit when the window is not stated (remaining is authoritative)', async () => {
    const server = await api('x-ratelimit-epoch', 10, 1000);
    const ok = await Promise.all(clients(server, 2).map((client) => send(client, 10)));
    expect(ok).toEqual([10, 10]);
    expect(server.stats().rejected).toBe(0);
    expect(server.stats().maxAcceptedPerWindow).toBeLessThanOrEqual(10);
  });

  it('pauses every client together after one of them gets a 429', async () => {
    const server = await api('ietf', 20, 1000);
    const grants: number[] = [];
    const pauses: { at: number; until: number }[] = [];
    const prefix = uniquePrefix();
    const [first, second] = [0, 1].map(() => {
      const store = recording(pool.store({ redis: pool.connect(redisServer.url), prefix }), grants, pauses);
      const client = createClient({ baseUrl: server.url, retry: { limit: 3 }, quota: { store } });
      apis.push(client);
      return client;
    });
    if (first === undefined || second === undefined) throw new Error('two clients');
    await send(first, 1);
    // the server lowers its limit: 429s come, and no client sends until the pause ends
    server.setLimit(3);
    const ok = await Promise.all([send(first, 6), send(second, 6)]);
    expect(ok[0] + ok[1]).toBe(12);
    expect(pauses.length).toBeGreaterThan(0);
    for (const pause of pauses) {
      expect(pause.until - pause.at).toBeGreaterThanOrEqual(900); // Retry-After: 1 (a 429 waits >= 1 s), less the report's way back
      expect(grants.filter((at) => at > pause.at && at < pause.until - 5)).toEqual([]);
    }
  });

});
