import type { Units } from './bucket/types.ts';
import type { QuotaStore } from './store/quota-store.ts';
import type { Clock } from './utils/clock.ts';

/**
 * What one request spends: a number of requests, or units by name for APIs that limit several
 * at once (`{ requests: 1, tokens: 1200 }`).
 */
export type Cost = number | Readonly<Record<string, number>>;

/** Picks the bucket (which quota) a request spends. Return `undefined` for the default. */
export type BucketKeyFunction = (request: Request) => string | undefined;

/**
 * The `quota` option of {@link createClient} and {@link withQuota}.
 *
 * @example
 * ```ts
 * const api = createClient({
 *   baseUrl: 'https://api.example.com/',
 *   quota: { maxQueue: 10_000, maxWaitMs: 30_000 },
 * });
 * ```
 */
export interface QuotaOptions {
  /**
   * Attempts in flight at once (a local semaphore, on top of the bucket's pacing).
   * @default Infinity
   * @example { concurrency: 8 }
   */
  concurrency?: number;
  /**
   * Requests per `windowMs` you know the API allows. Optional: the limit is learned from the
   * server's headers, which win as soon as they arrive. Give it with `windowMs`.
   * @example { limit: 100, windowMs: 1000 }
   */
  limit?: number;
  /**
   * The window of `limit`, ms.
   * @example { limit: 5000, windowMs: 3_600_000 }
   */
  windowMs?: number;
  /**
   * Requests sent before the first response with quota headers tells the limit.
   * @default 1
   */
  initialConcurrency?: number;
  /**
   * Which quota a request spends. By default the origin plus a hash of the `Authorization`
   * header (other credentials have other quotas), narrowed by a bucket the server names
   * (GitHub's `x-ratelimit-resource`, Discord's `X-RateLimit-Bucket`). A string puts every request
   * of this client in one bucket; a function picks per request (route groups).
   * @example { bucketKey: (request) => new URL(request.url).pathname.startsWith('/search') ? 'search' : undefined }
   */
  bucketKey?: string | BucketKeyFunction;
  /**
   * Where the buckets live. Default: in memory in Node and workers; shared by all tabs of the
   * origin in a page with BroadcastChannel and Web Locks (a {@link BroadcastQuotaStore} named `name`).
   * @default new MemoryQuotaStore() in Node; new BroadcastQuotaStore({ name }) in a page
   */
  store?: QuotaStore;
  /**
   * The quota namespace the tabs of an origin share when the default store is the broadcast one:
   * clients with the same name in any tab draw from the same buckets. Give clients of different
   * APIs or accounts different names. It is hashed into channel and lock names, so an account id
   * is fine; ignored when `store` is given.
   * @default 'default'
   * @example { name: 'api.example.com:account-42' }
   */
  name?: string;
  /**
   * Requests waiting at once; one more rejects with `QueueFullError` without being sent.
   * @default Infinity
   */
  maxQueue?: number;
  /**
   * The longest a request waits for a token, ms; then it rejects with `QuotaTimeoutError`.
   * @default Infinity
   */
  maxWaitMs?: number;
  /**
   * The default priority; higher goes first, FIFO within a priority. Per request: `context: { priority }`.
   * @default 0
   */
  priority?: number;
  /**
   * The default cost of a request. Per request: `context: { cost }`.
   * @default 1
   */
  cost?: Cost;
  /**
   * The longest wait a server may impose (`Retry-After`, a reset): longer asks reject with
   * `RateLimitError` saying when the quota returns, instead of hanging. Also ky's `retry.maxRetryAfter`.
   * @default 60_000
   */
  maxRetryAfterMs?: number;
  /**
   * Identical GETs and HEADs queued or in flight at the same time share one request and one
   * response: only the first spends a token, each caller gets its own copy of the response (its
   * own `.json()`, hooks and errors). Identical means same method, URL (search parameters
   * included) and request headers, except per-request tracing ids (`traceparent`, `tracestate`,
   * `baggage`, `sentry-trace`, `x-request-id`, `x-correlation-id`, `x-amzn-trace-id`, B3).
   * A request joins while the first one waits for its token or until its response arrives; a
   * follower is not retried on its own (the first request's retries were the group's). `false`
   * turns it off for the client; per request: `context: { coalesce: false }`.
   * @default true
   * @example { coalesce: false }
   */
  coalesce?: boolean;
  /**
   * The clock (tests inject one; the default wraps `Date.now` and `setTimeout` at call time).
   */
  clock?: Clock;
}

/** {@link QuotaOptions} after validation and defaults. */
export interface NormalizedQuotaOptions {
  readonly concurrency: number;
  readonly limit: number | undefined;
  readonly windowMs: number | undefined;
  readonly initialConcurrency: number;
  readonly bucketKey: string | BucketKeyFunction | undefined;
  readonly store: QuotaStore | undefined;
  readonly name: string;
  readonly maxQueue: number;
  readonly maxWaitMs: number;
  readonly priority: number;
  readonly cost: Units;
  readonly maxRetryAfterMs: number;
  readonly coalesce: boolean;
  readonly clock: Clock | undefined;
}

const describe = (value: unknown): string => `\`${String(value)}\` (${typeof value})`;

function positiveInteger(name: string, value: unknown, fallback: number, allowInfinity: boolean): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`Expected \`${name}\` to be a number, got ${describe(value)}`);
  }
  const ok = (allowInfinity && value === Number.POSITIVE_INFINITY) || (Number.isInteger(value) && value >= 1);
  if (!ok) {
    throw new RangeError(`Expected \`${name}\` to be an integer >= 1${allowInfinity ? ' or Infinity' : ''}, got ${describe(value)}`);
  }
  return value;
}

function positiveNumber(name: string, value: unknown, fallback: number | undefined, allowInfinity: boolean): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new TypeError(`Expected \`${name}\` to be a number, got ${describe(value)}`);
  }
  if (!(value > 0) || (!allowInfinity && !Number.isFinite(value))) {
    throw new RangeError(`Expected \`${name}\` to be a number > 0${allowInfinity ? '' : ' and finite'}, got ${describe(value)}`);
  }
  return value;
}

/**
 * Turn a {@link Cost} into units, validating it.
 * @throws TypeError or RangeError naming `name` when the cost is not a non-negative finite number (or record of them).
 */
export function normalizeCost(cost: unknown, name = 'cost'): Units {
  if (typeof cost === 'number') {
    if (!Number.isFinite(cost) || cost < 0) throw new RangeError(`Expected \`${name}\` to be a finite number >= 0, got ${describe(cost)}`);
    return { requests: cost };
  }
  if (typeof cost !== 'object' || cost === null) {
    throw new TypeError(`Expected \`${name}\` to be a number or a record of units, got ${describe(cost)}`);
  }
  const units: Record<string, number> = {};
  for (const [unit, value] of Object.entries(cost)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`Expected \`${name}.${unit}\` to be a finite number >= 0, got ${describe(value)}`);
    }
    units[unit] = value;
  }
  units.requests ??= 1;
  return units;
}

/**
 * Validate the `quota` option at the boundary and fill in defaults.
 * @throws TypeError for a wrong type, RangeError for a value out of bounds, each naming the option.
 */
export function normalizeQuotaOptions(options: QuotaOptions = {}): NormalizedQuotaOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Expected \`quota\` to be an object, got ${describe(options)}`);
  }
  const limit = options.limit === undefined ? undefined : positiveInteger('limit', options.limit, 1, false);
  const windowMs = positiveNumber('windowMs', options.windowMs, undefined, false);
  if ((limit === undefined) !== (windowMs === undefined)) {
    throw new TypeError('Expected `limit` and `windowMs` to be given together');
  }
  const { bucketKey } = options;
  if (bucketKey !== undefined && typeof bucketKey !== 'string' && typeof bucketKey !== 'function') {
    throw new TypeError(`Expected \`bucketKey\` to be a string or a function, got ${describe(bucketKey)}`);
  }
  const { store } = options;
  if (store !== undefined && (typeof store !== 'object' || store === null || typeof store.take !== 'function')) {
    throw new TypeError(`Expected \`store\` to be a QuotaStore, got ${describe(store)}`);
  }
  const name = options.name ?? 'default';
  if (typeof name !== 'string') throw new TypeError(`Expected \`name\` to be a string, got ${describe(name)}`);
  const priority = options.priority ?? 0;
  if (typeof priority !== 'number' || !Number.isFinite(priority)) {
    throw new TypeError(`Expected \`priority\` to be a finite number, got ${describe(priority)}`);
  }
  const coalesce = options.coalesce ?? true;
  if (typeof coalesce !== 'boolean') throw new TypeError(`Expected \`coalesce\` to be a boolean, got ${describe(coalesce)}`);
  return {
    concurrency: positiveInteger('concurrency', options.concurrency, Number.POSITIVE_INFINITY, true),
    limit,
    windowMs,
    initialConcurrency: positiveInteger('initialConcurrency', options.initialConcurrency, 1, false),
    bucketKey,
    store,
    name,
    maxQueue: positiveInteger('maxQueue', options.maxQueue, Number.POSITIVE_INFINITY, true),
    maxWaitMs: positiveNumber('maxWaitMs', options.maxWaitMs, Number.POSITIVE_INFINITY, true) ?? Number.POSITIVE_INFINITY,
    priority,
    cost: normalizeCost(options.cost ?? 1),
    maxRetryAfterMs: positiveNumber('maxRetryAfterMs', options.maxRetryAfterMs, 60_000, false) ?? 60_000,
    coalesce,
    clock: options.clock,
  };
}
