import type { Redis } from 'ioredis';

/** What the store does when Redis cannot be reached or does not answer in time. */
export type StoreErrorMode = 'fail' | 'local';

/**
 * Options of {@link createRedisStore}.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * import { createRedisStore } from 'ky-quota/redis';
 *
 * const store = createRedisStore({ redis: new Redis(process.env.REDIS_URL), prefix: 'billing-api', onStoreError: 'local' });
 * ```
 */
export interface RedisStoreOptions {
  /**
   * The connection the store runs its scripts on. Yours: the store never closes it (close it
   * after `api.quota.close()`). The store opens one more connection, `redis.duplicate()`, for the
   * wake channel, and closes that one itself.
   */
  redis: Redis;
  /**
   * Prepended to every key and to the wake channel. Deployments that share a Redis but not a
   * quota use different prefixes.
   * @default 'ky-quota'
   */
  prefix?: string;
  /**
   * When Redis is unreachable (at start or mid-run) or slower than `timeoutMs`:
   * - `'fail'`: the request rejects with `QuotaStoreError` (never sent, never left pending).
   * - `'local'`: the bucket continues in this process on a conservative share of the last known
   *   limit (limit / live processes, see `expectedProcesses`), and goes back to Redis once it is
   *   reachable again and this process's local sends have left the window.
   * @default 'fail'
   */
  onStoreError?: StoreErrorMode;
  /**
   * Processes assumed to share the quota while Redis is down (`onStoreError: 'local'`).
   * @default the number of processes Redis saw using the bucket in the last 30 s
   */
  expectedProcesses?: number;
  /**
   * The least margin added to the window, ms. A send reaches the API somewhere between its grant
   * (Redis time) and its response, so the store holds each send's slot for the window plus the
   * largest recent round trip (grant to report, measured by Redis), and at least this much.
   * Costs about `margin / windowMs` of the quota.
   * @default 5
   */
  guardMs?: number;
  /**
   * The longest the store waits for Redis per call before it treats Redis as unreachable, ms.
   * @default 1000
   */
  timeoutMs?: number;
  /**
   * How long a bucket's keys outlive its last use, ms (at least two windows, and any pause).
   * A dead deployment leaves nothing behind after this.
   * @default 600_000
   */
  keyTtlMs?: number;
  /**
   * How long a send counts as in flight when its process never reports it (it crashed), ms.
   * Only matters while probing (limit unknown) or after a pause (one probe at a time).
   * @default 60_000
   */
  leaseMs?: number;
  /** Told every time Redis failed a call (the store has already fallen back or rejected). */
  onError?: (error: Error) => void;
}

/** {@link RedisStoreOptions} after validation and defaults. */
export interface NormalizedRedisStoreOptions {
  readonly redis: Redis;
  readonly prefix: string;
  readonly onStoreError: StoreErrorMode;
  readonly expectedProcesses: number | undefined;
  readonly guardMs: number;
  readonly timeoutMs: number;
  readonly keyTtlMs: number;
  readonly leaseMs: number;
  readonly onError: ((error: Error) => void) | undefined;
}

const describe = (value: unknown): string => `\`${String(value)}\` (${typeof value})`;

function duration(name: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`Expected \`${name}\` to be a number, got ${describe(value)}`);
  if (!Number.isFinite(value) || value < min) throw new RangeError(`Expected \`${name}\` to be a finite number >= ${min}, got ${describe(value)}`);
  return value;
}

/**
 * Validate {@link RedisStoreOptions} at the boundary.
 * @throws TypeError for a wrong type, RangeError for a value out of bounds, each naming the option.
 */
export function normalizeRedisStoreOptions(options: RedisStoreOptions): NormalizedRedisStoreOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected options to be an object, got ${describe(options)}`);
  const { redis } = options;
  if (typeof redis !== 'object' || redis === null || typeof redis.evalsha !== 'function' || typeof redis.duplicate !== 'function') {
    throw new TypeError(`Expected \`redis\` to be an ioredis client, got ${describe(redis)}`);
  }
  const prefix = options.prefix ?? 'ky-quota';
  if (typeof prefix !== 'string' || prefix === '') throw new TypeError(`Expected \`prefix\` to be a non-empty string, got ${describe(prefix)}`);
  const mode = options.onStoreError ?? 'fail';
  if (mode !== 'fail' && mode !== 'local') throw new TypeError(`Expected \`onStoreError\` to be 'fail' or 'local', got ${describe(mode)}`);
  const expected = options.expectedProcesses;
  if (expected !== undefined && !(Number.isInteger(expected) && expected >= 1)) {
    throw new RangeError(`Expected \`expectedProcesses\` to be an integer >= 1, got ${describe(expected)}`);
  }
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new TypeError(`Expected \`onError\` to be a function, got ${describe(options.onError)}`);
  }
  return {
    redis,
    prefix,
    onStoreError: mode,
    expectedProcesses: expected,
    guardMs: duration('guardMs', options.guardMs, 5, 0),
    timeoutMs: duration('timeoutMs', options.timeoutMs, 1000, 1),
    keyTtlMs: duration('keyTtlMs', options.keyTtlMs, 600_000, 1),
    leaseMs: duration('leaseMs', options.leaseMs, 60_000, 1),
    onError: options.onError,
  };
}
