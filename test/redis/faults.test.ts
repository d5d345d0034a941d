import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import { startReferenceServer, type ReferenceServer } from '../../bench/server/http-server.ts';
import { createClient, isQuotaClosedError, type QuotaKyInstance } from '../../src/index.ts';
import { isQuotaStoreError, type RedisQuotaStore, type RedisStoreOptions } from '../../src/redis/index.ts';
import { connections, uniquePrefix } from './support/connections.ts';
import { startRedisServer, type RedisServer } from './support/redis-server.ts';

let redisServer: RedisServer;
let api: ReferenceServer;
const pool = connections();
const clients: QuotaKyInstance[] = [];
beforeAll(async () => {
  redisServer = await startRedisServer();
  api = await startReferenceServer({ algorithm: 'sliding', limit: 50, windowMs: 1000, dialect: 'ietf', latency: [2, 4] });
});
afterEach(async () => {
  await redisServer.start();
  await Promise.all(clients.splice(0).map((client) => client.quota.close()));
  await pool.closeAll();
});
afterAll(async () => {
  await api.close();
  await redisServer.stop();
});

function client(options: Omit<RedisStoreOptions, 'redis'> & { url?: string } = {}): { client: QuotaKyInstance; store: RedisQuotaStore; redis: Redis } {
  const { url = redisServer.url, ...rest } = options;
  const redis = pool.connect(url);
  const store = pool.store({ redis, prefix: uniquePrefix(), timeoutMs: 500, ...rest });
  const created = createClient({ baseUrl: api.url, retry: 0, quota: { store } });
  clients.push(created);
  return { client: created, store, redis };
}

let requestNumber = 0;
// a distinct URL per request: identical GETs in flight together may share one response
const get = (instance: QuotaKyInstance): Promise<unknown> => instance.get('x', { searchParams: { i: requestNumber++ } }).json();

async function until(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("onStoreError: 'fail'", () => {
  it('rejects with QuotaStoreError while Redis is down, never hangs, and shares again once it is back', async () => {
    const { client: instance, redis } = client();
    await get(instance);
    await redisServer.kill();
    await until(() => redis.status !== 'ready');
    const started = Date.now();
    const results = await Promise.allSettled([get(instance), get(instance), get(instance)]);
    expect(Date.now() - started).toBeLessThan(3000);
    for (const result of results) {
      expect(result.status).toBe('rejected');
      if (result.status === 'rejected') expect(isQuotaStoreError(result.reason)).toBe(true);
    }
    await redisServer.start();
    await until(() => redis.status === 'ready');
    await expect(get(instance)).resolves.toMatchObject({ ok: true });
  });

  it('fails at once when Redis is unreachable at start', async () => {
    const stopped = await startRedisServer();
    const url = stopped.url;
    await stopped.stop();
    const { client: instance } = client({ url });
    const error: unknown = await get(instance).catch((reason: unknown) => reason);
    expect(isQuotaStoreError(error)).toBe(true);
    expect(String(error)).toMatch(/Redis quota store could not take a token/);
  });
});

describe("onStoreError: 'local'", () => {
  it('carries on with a local share while Redis is down and goes back to Redis after it returns', async () => {
    const errors: Error[] = [];
    const prefix = uniquePrefix();
    const { client: instance, store, redis } = client({ prefix, onStoreError: 'local', onError: (error) => errors.push(error) });
    await get(instance);
    await redisServer.kill();
    await until(() => redis.status !== 'ready');
    const results = await Promise.all(Array.from({ length: 5 }, () => get(instance)));
    expect(results).toHaveLength(5);
    expect(store.localBuckets).toHaveLength(1);
    expect(errors.length).toBeGreaterThan(0);
    // the local share: 50 per second known, 1 process seen: it paces at most 50 per window locally
    const local = instance.quota.snapshot()[0];
    expect(local).toMatchObject({ limit: 50, source: 'configured', store: 'redis' });
    await redisServer.start();
    await until(() => redis.status === 'ready');
    // the bucket is shared again at once: Redis counts this process's local share (50) until its
    // local sends have left the window, so nobody sends on top of them meanwhile
    const other = client({ prefix, onStoreError: 'local' });
    const next = get(instance);
    await until(() => store.localBuckets.length === 0);
    const [state] = await Promise.all((await redis.keys(`${prefix}:*:state`)).map((key) => redis.hgetall(key)));
    expect(Object.entries(state ?? {}).find(([field]) => field.startsWith('lu:'))?.[1]).toBe('50');
    const started = Date.now();
    await Promise.all([next, get(other.client)]);
    expect(Date.now() - started).toBeGreaterThan(300);
    expect(other.store.localBuckets).toEqual([]);
    expect(instance.quota.snapshot()[0]).toMatchObject({ source: 'server' });
  });

  it('reserves a share for every process the limit was split among that is not back from its local share yet', async () => {
    const prefix = uniquePrefix();
    const { client: instance, store, redis } = client({ prefix, onStoreError: 'local', expectedProcesses: 2 });
    await get(instance);
    await redisServer.kill();
    await until(() => redis.status !== 'ready');
    await get(instance);
    expect(store.localBuckets).toHaveLength(1);
    await redisServer.start();
    await until(() => redis.status === 'ready');
    const next = get(instance);
    await until(() => store.localBuckets.length === 0);
    const [state] = await Promise.all((await redis.keys(`${prefix}:*:state`)).map((key) => redis.hgetall(key)));
    // 50 split between 2: its own 25 until its local sends leave, 25 for the other process meanwhile
    expect(Object.entries(state ?? {}).find(([field]) => field.startsWith('lu:'))?.[1]).toBe('25');
    expect(state).toMatchObject({ lo_share: '25', lo_processes: '2', limit: '50', window: '1000' });
    expect(Number(state?.lo_until) - Date.now()).toBeGreaterThan(500);
    await expect(next).resolves.toMatchObject({ ok: true });
  });

  it('starts locally when Redis is unreachable at start', async () => {
    const stopped = await startRedisServer();
    const url = stopped.url;
    await stopped.stop();
    const { client: instance, store } = client({ url, onStoreError: 'local' });
    await expect(get(instance)).resolves.toMatchObject({ ok: true });
    expect(store.localBuckets).toHaveLength(1);
  });
});

describe('close()', () => {
  it('rejects waiters, closes the wake connection and leaves the caller its own', async () => {
    const { client: instance, redis } = client();
    const subscribers = async (): Promise<number> => {
      const list = String(await redis.client('LIST'));
      return list.split('\n').filter((line) => / sub=[1-9]/.test(line)).length;
    };
    await get(instance);
    const before = await subscribers();
    expect(before).toBeGreaterThan(0);
    // the limit is unknown to a fresh bucket: one probe at a time, the second waits
    const waiting = [get(instance), get(instance)].map((promise) => promise.catch((error: unknown) => error));
    await instance.quota.close();
    const outcomes = await Promise.all(waiting);
    expect(outcomes.some((outcome) => isQuotaClosedError(outcome))).toBe(true);
    await instance.quota.close();
    let after = await subscribers();
    for (let tries = 0; after !== before - 1 && tries < 50; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      after = await subscribers();
    }
    expect(after).toBe(before - 1);
    expect(redis.status).toBe('ready');
  });
});
