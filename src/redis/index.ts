/**
 * `ky-quota/redis`: one quota shared by every process that uses the same Redis.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createClient } from 'ky-quota';
 * import { createRedisStore } from 'ky-quota/redis';
 *
 * const redis = new Redis(process.env.REDIS_URL);
 * const api = createClient({ baseUrl: 'https://api.example.com/', quota: { store: createRedisStore({ redis, prefix: 'example-api' }) } });
 * ```
 */
import { RedisQuotaStore } from './redis-quota-store.ts';
import type { RedisStoreOptions } from './options.ts';

/**
 * A quota store in Redis: every process and host that uses the same Redis and `prefix` draws
 * from one bucket per quota, paced by Redis's clock.
 *
 * @example
 * ```ts
 * const store = createRedisStore({ redis, prefix: 'github', onStoreError: 'local' });
 * const github = createClient({ baseUrl: 'https://api.github.com/', quota: { store } });
 * // ...
 * await github.quota.close(); // closes the store's own connection
 * await redis.quit();         // yours
 * ```
 */
export function createRedisStore(options: RedisStoreOptions): RedisQuotaStore {
  return new RedisQuotaStore(options);
}

export { RedisQuotaStore } from './redis-quota-store.ts';
export type { RedisStoreOptions, StoreErrorMode } from './options.ts';
export { QuotaStoreError, isQuotaStoreError } from '../errors/quota-store-error.ts';
