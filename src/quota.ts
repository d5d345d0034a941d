import type { ModelSnapshot, QuotaSource, Units } from './bucket/types.ts';
import { BucketKeys } from './bucket-keys.ts';
import { RateLimitError } from './errors/rate-limit-error.ts';
import { Emitter, type LimitedEvent, type QuotaEvents } from './events.ts';
import { parseRateLimitHeaders } from './headers/parse-rate-limit-headers.ts';
import type { ParsedRateLimit } from './headers/types.ts';
import type { NormalizedQuotaOptions } from './options.ts';
import { Scheduler, type AcquireRequest } from './scheduler/scheduler.ts';
import { defaultStore } from './store/default-store.ts';
import type { Grant, QuotaStore } from './store/quota-store.ts';
import { steadyClock, systemClock, type Clock } from './utils/clock.ts';
import { serverScopeOf } from './server-scope.ts';
import { ClockSkew, originOf } from './clock-skew.ts';
import type { BucketPolling, PollIntervalEvent, PollingSource } from './poll/snapshot.ts';

/** One bucket as `api.quota.snapshot()` shows it. */
export interface BucketSnapshot {
  /** The bucket's key (origin and credential hash, a server-named bucket, or yours). */
  readonly key: string;
  /** Units per window, when known. */
  readonly limit: number | undefined;
  /** Units this client may still spend now, when known. */
  readonly remaining: number | undefined;
  /** When quota comes back, epoch ms, when known. */
  readonly resetAt: number | undefined;
  /** The window the bucket paces with, ms, when known. */
  readonly windowMs: number | undefined;
  /** Requests of this client waiting for this bucket. */
  readonly queued: number;
  /** Attempts sent and not answered yet. */
  readonly inFlight: number;
  /** Until when a 429/503 paused the bucket, epoch ms. */
  readonly pausedUntil: number | undefined;
  /** Where the limit came from: `'server'` headers, `'configured'`, `'estimated'` from 429s, or `'unknown'`. */
  readonly source: QuotaSource;
  /** Which store holds it: `'memory'`, `'broadcast'`, `'redis'`. */
  readonly store: string;
  /** The pollers of this bucket (`api.poll()`, `quotaInterval()`) and how far the quota stretches their intervals; absent when none polls it. */
  readonly polling?: BucketPolling;
}

/** What one ky call's options said about its quota (from `context`). */
export interface CallQuota {
  readonly cost: Units;
  readonly priority: number;
  readonly bucketKey: string | undefined;
  /** Aborts the wait; the request's own signal when absent. */
  readonly signal?: AbortSignal | undefined;
}

/** How {@link Quota.send} treats a 429/503 that asks for more than `maxRetryAfterMs`. */
export interface SendOptions {
  /**
   * Reject with `RateLimitError` (ky, whose retry would otherwise wait) or return the response
   * (fetch, whose caller's SDK decides, and would take a rejection for a network error).
   * @default true
   */
  readonly rejectLongWaits?: boolean;
}

const limitStatuses = new Set([429, 503]);

/** What the store said about a reported attempt (`undefined` when it failed to record it). */
type Reported = { pausedUntil?: number; limitChanged?: boolean } | undefined;

/** A token older than this when its attempt is about to go is taken again (see {@link Quota.fresh}). */
const staleGrantMs = 1000;

/**
 * The quota behind a client: `api.quota`. Holds the scheduler and the store, observes every
 * response, and is what `close()` releases.
 */
export class Quota {
  readonly #options: NormalizedQuotaOptions;
  readonly #clock: Clock;
  readonly #store: QuotaStore;
  readonly #scheduler: Scheduler;
  readonly #keys: BucketKeys;
  readonly #events = new Emitter<QuotaEvents>();
  readonly #warned = new Set<string>();
  readonly #skew = new ClockSkew();
  #polling: PollingSource | undefined;
  #closed = false;

  constructor(options: NormalizedQuotaOptions) {
    this.#options = options;
    // Never backwards: a wall clock stepped back must not move every pause and deadline ahead.
    this.#clock = steadyClock(options.clock ?? systemClock);
    this.#store = options.store ?? defaultStore({ name: options.name });
    this.#keys = new BucketKeys(options.bucketKey);
    this.#scheduler = new Scheduler({
      store: this.#store,
      clock: this.#clock,
      concurrency: options.concurrency,
      maxQueue: options.maxQueue,
      maxWaitMs: options.maxWaitMs,
      defaults: {
        limit: options.limit,
        windowMs: options.windowMs,
        initialConcurrency: options.initialConcurrency,
        maxRetryAfterMs: options.maxRetryAfterMs,
      },
    });
  }

  /** The longest wait a server may impose, ms (`quota.maxRetryAfterMs`). */
  get maxRetryAfterMs(): number {
    return this.#options.maxRetryAfterMs;
  }

  /** The store that holds the buckets. */
  get store(): QuotaStore {
    return this.#store;
  }

  /** The quota namespace (`quota.name`) the tabs of an origin share. */
  get name(): string {
    return this.#options.name;
  }

  /** Requests waiting for a token, all buckets. */
  get queued(): number {
    return this.#scheduler.queued;
  }

  /** Attempts sent and not answered yet, all buckets. */
  get inFlight(): number {
    return this.#scheduler.inFlight;
  }

  /** Every bucket this client has used, as of now. */
  snapshot(): BucketSnapshot[] {
    const now = this.#clock.now();
    const buckets: BucketSnapshot[] = [];
    for (const [key, model] of this.#store.snapshot(now)) buckets.push(this.#describe(key, model));
    return buckets;
  }

  /**
   * Listen to an event; returns the function that stops listening.
   * @example
   * ```ts
   * api.quota.on('limited', ({ bucket, retryAt }) => console.warn(`${bucket} limited until ${retryAt}`));
   * ```
   */
  on<K extends keyof QuotaEvents>(event: K, listener: (payload: QuotaEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  /** Stop listening. */
  off<K extends keyof QuotaEvents>(event: K, listener: (payload: QuotaEvents[K]) => void): void {
    this.#events.off(event, listener);
  }

  /** The next occurrence of an event. */
  once<K extends keyof QuotaEvents>(event: K): Promise<QuotaEvents[K]> {
    return this.#events.once(event);
  }

  /** The next time a server refuses a request for its limit (the awaitable twin of `on('limited')`). */
  onLimited(): Promise<LimitedEvent> {
    return this.#events.once('limited');
  }

  /** Resolves when no request waits and none is in flight. */
  onIdle(): Promise<void> {
    return this.#scheduler.onIdle();
  }

  /** Reject waiting requests with `QuotaClosedError`, clear timers, and close the store (channels, connections). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#polling?.close();
    this.#scheduler.close();
    this.#events.clear();
    await this.#store.close();
  }

  /**
   * The pollers of this quota (one registry per client), for `snapshot()` and `close()`.
   * @internal
   */
  attachPolling(source: PollingSource): void {
    this.#polling = source;
  }

  /**
   * The pollers' stretch changed.
   * @internal
   */
  emitPollInterval(event: PollIntervalEvent): void {
    this.#events.emit('poll-interval', event);
  }

  /**
   * Wait for a token for one attempt of a ky call.
   * @internal
   */
  acquire(request: Request, call: CallQuota): Promise<Grant> {
    return this.#scheduler.acquire({
      bucket: this.bucketOf(request, call.bucketKey),
      cost: call.cost,
      priority: call.priority,
      signal: call.signal ?? request.signal,
    });
  }

  /**
   * The bucket a request to `url` spends, decided before ky builds its `Request` (the front
   * gate); `request` builds one only for a user's `bucketKey` function.
   * @internal
   */
  bucketFor(url: URL, authorization: string | null, explicit: string | undefined, request: () => Request): string {
    return this.#keys.keyForUrl(url, authorization, explicit, request);
  }

  /**
   * The bucket a built request spends (to check the front gate's guess once ky built the request,
   * and the bucket a poll's feed spends).
   * @internal
   */
  bucketOf(request: Request, explicit: string | undefined): string {
    return this.#keys.keyFor(request, explicit);
  }

  /**
   * Wait for a token of a known bucket (the front gate: no `Request` exists yet). The scheduler
   * queues `waiting` itself, so a waiting call is one object; aborts with its `signal`.
   * @internal
   */
  acquireWaiting(waiting: AcquireRequest): Promise<Grant> {
    return this.#scheduler.acquire(waiting);
  }

  /**
   * A token taken long before its attempt is sent (a long task, a frozen tab, a saturated event
   * loop in between) is given back and taken again: the bucket counted it at the time it was
   * granted, so sending it late would spend a slot the bucket already let go of.
   * @internal
   */
  fresh(grant: Grant, request: Request, call: CallQuota): Grant | Promise<Grant> {
    if (grant.grantedAt === undefined || this.#clock.now() - grant.grantedAt <= staleGrantMs) return grant;
    const given = this.#report(grant, { now: this.#clock.now() });
    return given instanceof Promise ? given.then(() => this.acquire(request, call)) : this.acquire(request, call);
  }

  /**
   * Give back a token whose attempt was never sent (a hook answered or stopped the call).
   * @internal
   */
  async cancel(grant: Grant): Promise<void> {
    await this.#report(grant, { now: this.#clock.now() });
  }

  /**
   * Send the attempt a grant allows, observe its response, free its slot. A 429/503 asking for a
   * wait longer than `maxRetryAfterMs` rejects with `RateLimitError` so the call never hangs.
   * @internal
   */
  async send(grant: Grant, request: Request, init: RequestInit | undefined, fetchFunction: typeof fetch, options?: SendOptions): Promise<Response> {
    let response: Response;
    try {
      response = await fetchFunction(request, init);
    } catch (error) {
      await this.#report(grant, { now: this.#clock.now() });
      throw error;
    }
    const now = this.#clock.now();
    const parsed = this.#parse(response, request, now);
    const result = await this.#report(grant, { now, status: response.status, parsed });
    this.#afterResponse(request, response, grant, parsed, result?.pausedUntil, result?.limitChanged === true);
    const rejectLongWaits = options?.rejectLongWaits ?? true;
    if (rejectLongWaits && parsed.retryAt !== undefined && parsed.retryAt - now > this.#options.maxRetryAfterMs && isLimitStatus(response.status)) {
      throw new RateLimitError({
        bucket: grant.bucket,
        retryAt: parsed.retryAt,
        response,
        request,
        reason: `The server asked to wait ${Math.ceil((parsed.retryAt - now) / 1000)} s, longer than maxRetryAfterMs (${this.#options.maxRetryAfterMs} ms)`,
      });
    }
    return response;
  }

  /**
   * The error a final 429 becomes: a {@link RateLimitError} that says when the quota returns.
   * @internal
   */
  rateLimitErrorFor(response: Response, request: Request, cause: unknown): RateLimitError {
    const parsed = this.#parse(response, request, this.#clock.now());
    return new RateLimitError({
      bucket: this.#keys.keyFor(request),
      retryAt: parsed.retryAt,
      response,
      request,
      reason: 'Rate limited by the server; ky did not retry (again): retries spent or the method is not retried',
      cause,
    });
  }

  /** Parse a response's headers with the skew learned for its origin (see {@link ClockSkew}). */
  #parse(response: Response, request: Request, now: number): ParsedRateLimit {
    const origin = originOf(request.url);
    this.#skew.observe(origin, now, response.headers.get('date'));
    return parseRateLimitHeaders(response.headers, { now, status: response.status, url: request.url, clockSkewMs: this.#skew.estimate(origin) });
  }

  /** Feed an attempt's outcome to the store and free its slot (at once when the store answers synchronously). */
  #report(grant: Grant, observation: Parameters<QuotaStore['report']>[1]): Reported | Promise<Reported> {
    let result: ReturnType<QuotaStore['report']>;
    try {
      result = this.#store.report(grant, observation);
    } catch (error) {
      return this.#reportFailed(grant, error);
    }
    if (typeof (result as { then?: unknown } | undefined)?.then !== 'function') return this.#reported(result as Reported);
    return Promise.resolve(result).then(
      (value) => this.#reported(value),
      (error: unknown) => this.#reportFailed(grant, error),
    );
  }

  #reported(result: Reported): Reported {
    this.#scheduler.release();
    return result;
  }

  #reportFailed(grant: Grant, error: unknown): undefined {
    try {
      this.#warn(grant.bucket, 'store-report', `The quota store failed to record a response: ${String(error)}`);
    } finally {
      this.#scheduler.release();
    }
    return undefined;
  }

  #afterResponse(request: Request, response: Response, grant: Grant, parsed: ParsedRateLimit, pausedUntil: number | undefined, limitChanged: boolean): void {
    const scope = serverScopeOf(parsed);
    if (scope !== undefined) this.#keys.learn(request, scope);
    if (isLimitStatus(response.status) || pausedUntil !== undefined) {
      this.#events.emit('limited', { bucket: grant.bucket, status: response.status, request, retryAt: parsed.retryAt, pausedUntil });
    }
    if (limitChanged && this.#events.listenerCount('limit-change') > 0) {
      const model = this.#store.snapshot(this.#clock.now()).get(grant.bucket);
      if (model) this.#events.emit('limit-change', { bucket: grant.bucket, snapshot: model });
    }
    if (response.type === 'cors' && parsed.policies.length === 0 && parsed.retryAt === undefined) {
      this.#warn(
        grant.bucket,
        'cors',
        `${new URL(request.url).origin} sent no readable rate-limit headers to this cross-origin page. If it sends them, ` +
          'it must list them in Access-Control-Expose-Headers (RateLimit, RateLimit-Policy, X-RateLimit-*, Retry-After, Date); ' +
          'until then ky-quota adapts from 429s alone.',
      );
    }
  }

  #warn(bucket: string, cause: string, message: string): void {
    const key = `${cause}:${bucket}`;
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    if (this.#events.listenerCount('warning') > 0) this.#events.emit('warning', { bucket, message });
    else console.warn(`ky-quota: ${message}`);
  }

  #describe(key: string, model: ModelSnapshot): BucketSnapshot {
    const polling = this.#polling?.describe(key);
    return {
      ...(polling === undefined ? {} : { polling }),
      key,
      limit: model.limit,
      remaining: model.remaining,
      resetAt: model.resetAt,
      windowMs: model.windowMs,
      queued: this.#scheduler.queuedIn(key),
      inFlight: model.inFlight,
      pausedUntil: model.pausedUntil,
      source: model.source,
      store: this.#store.kind,
    };
  }
}

function isLimitStatus(status: number): boolean {
  return limitStatuses.has(status);
}
