/** ioredis connections and stores for tests, all closed by `closeAll()`. */
import { Redis } from 'ioredis';
import { createRedisStore, type RedisQuotaStore, type RedisStoreOptions } from '../../../src/redis/index.ts';

export interface Connections {
  /** A new connection (reconnects every 50 ms when the server is gone). */
  connect(url: string): Redis;
  store(options: RedisStoreOptions): RedisQuotaStore;
  closeAll(): Promise<void>;
}

export function connections(): Connections {
  const clients: Redis[] = [];
  const stores: RedisQuotaStore[] = [];
  return {
    connect(url) {
      const client = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      clients.push(client);
      return client;
    },
    store(options) {
      const store = createRedisStore(options);
      stores.push(store);
      return store;
    },
    async closeAll() {
      await Promise.all(stores.splice(0).map((store) => store.close()));
      for (const client of clients.splice(0)) client.disconnect();
    },
  };
}

let counter = 0;
/** A prefix no other test uses. */
export const uniquePrefix = (): string => `test-${process.pid}-${Date.now()}-${counter++}`;
