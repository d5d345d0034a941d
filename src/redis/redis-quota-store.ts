import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ModelSnapshot, ObserveResult, Observation, QuotaModelOptions, SendRecord, TakeDecision } from '../bucket/types.ts';
import type { QuotaModel } from '../bucket/quota-model.ts';
import { QuotaStoreError } from '../errors/quota-store-error.ts';
import type { Grant, QuotaStore, TakeRequest } from '../store/quota-store.ts';
import { bucketKeys, wakeChannel } from './keys.ts';
import { LocalFallback, localObservation, type LocalBucket } from './local-fallback.ts';
import { ANNOUNCE_SCRIPT } from './lua/announce.ts';
import { REPORT_SCRIPT } from './lua/report.ts';
import { TAKE_SCRIPT } from './lua/take.ts';
import { normalizeRedisStoreOptions, type NormalizedRedisStoreOptions, type RedisStoreOptions } from './options.ts';
import { parseReportReply, parseTakeReply, refusal, snapshotOf, type SharedView } from './replies.ts';
import { REPORT_ARG_RESET_DELAY, REPORT_ARG_RETRY_DELAY, reportArgs, type SharedSend } from './report-args.ts';
import { LuaScript } from './script.ts';
import { within } from './timeout.ts';

/** Processes that used a bucket within this long count as sharing it (the local fallback's divisor). */
const CLIENT_LIVENESS_MS = 30_000;
const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/** Failed reports kept for sending again (beyond that, their sends wait for their lease). */
const MAX_UNREPORTED = 10_000;

interface LocalSend {
  readonly kind: 'local';
  readonly model: QuotaModel;
}

/**
 * A {@link QuotaStore} in Redis: every process (every host) that uses the same Redis and prefix
 * draws from one bucket. State changes only inside two Lua scripts (take, report) timed by
 * Redis's `TIME`; waiters are woken by pub/sub or by the time the script names.
 * Create it with {@link createRedisStore}.
 */
export class RedisQuotaStore implements QuotaStore {
  readonly kind = 'redis';
  readonly #options: NormalizedRedisStoreOptions;
  readonly #redis: Redis;
  readonly #subscriber: Redis;
  readonly #channel: string;
  readonly #clientId = randomUUID();
  readonly #takeScript = new LuaScript(TAKE_SCRIPT, 7);
  readonly #reportScript = new LuaScript(REPORT_SCRIPT, 7);
  readonly #announceScript = new LuaScript(ANNOUNCE_SCRIPT, 7);
  readonly #listeners = new Set<(bucket: string) => void>();
  readonly #views = new Map<string, SharedView>();
  readonly #defaults = new Map<string, QuotaModelOptions>();
  readonly #sends = new WeakMap<SendRecord, SharedSend | LocalSend>();
  readonly #local = new LocalFallback();
  /**
   * The last refusal per bucket, reused until its time without asking Redis: the scheduler pumps
   * after every response, and a refusal can only be too cautious (news that lets waiters go
   * sooner arrives on the wake channel, which drops it).
   */
  readonly #refused = new Map<string, Exclude<TakeDecision, { ok: true }> & { readonly retryAt: number }>();
  /** Reports Redis did not take (down, or slower than `timeoutMs`), sent again once it answers. */
  readonly #unreported: { readonly bucket: string; readonly args: (string | number)[]; readonly failedAt: number; attempts: number }[] = [];
  #replaying = false;
  #closed = false;

  readonly #onMessage = (channel: string, bucket: string): void => {
    if (channel !== this.#channel) return;
    this.#refused.delete(bucket);
    this.#notify(bucket);
  };

  /** Redis is back (or the wake channel is): waiters may have missed news, let them all look again. */
  readonly #onReady = (): void => {
    this.#refused.clear();
    for (const bucket of this.#defaults.keys()) this.#notify(bucket);
  };

  constructor(options: RedisStoreOptions) {
    this.#options = normalizeRedisStoreOptions(options);
    this.#redis = this.#options.redis;
    this.#channel = wakeChannel(this.#options.prefix);
    this.#redis.on('ready', this.#onReady);
    this.#subscriber = this.#redis.duplicate();
    // Without a listener ioredis prints every reconnect error; the store reports failures itself.
    this.#subscriber.on('error', () => {});
    this.#subscriber.on('ready', this.#onReady);
    this.#subscriber.on('message', this.#onMessage);
    this.#subscriber.subscribe(this.#channel).catch(() => {
      // Redis unreachable at start: ioredis subscribes again once it connects.
    });
  }

  /** Script uploads after Redis did not know a script (`NOSCRIPT`): restarts, `SCRIPT FLUSH`. */
  get scriptReloads(): number {
    return this.#takeScript.reloads + this.#reportScript.reloads;
  }

  /** The SHA1 the take script runs under (`EVALSHA`). */
  get takeSha(): string {
    return this.#takeScript.sha;
  }

  /** Buckets running on the local fallback right now (`onStoreError: 'local'`). */
  get localBuckets(): readonly string[] {
    return this.#local.buckets;
  }

  async take(request: TakeRequest): Promise<TakeDecision> {
    const { bucket } = request;
    this.#defaults.set(bucket, request.defaults);
    const local = this.#local.get(bucket);
    if (local !== undefined) {
      if (this.#redis.status !== 'ready') return this.#takeLocal(local, request);
      // Redis is back: the bucket counts this process's local share until its local sends have
      // left the window, and the process shares again at once (no mixed local and shared spending)
      if (request.now < local.sharedAgainAt && !(await this.#announce(bucket, local, request.now))) return this.#takeLocal(local, request);
      this.#local.leave(bucket);
    }
    const cached = this.#refused.get(bucket);
    if (cached !== undefined && request.now < cached.retryAt) return cached;
    const units = Math.max(0, Math.ceil(request.cost['requests'] ?? 0));
    let decision: TakeDecision;
    try {
      await this.#ready(bucket);
      const { limit, windowMs, initialConcurrency } = request.defaults;
      const { guardMs, keyTtlMs, leaseMs, timeoutMs } = this.#options;
      const args = [units, limit ?? 0, windowMs ?? 0, initialConcurrency ?? 1, leaseMs, guardMs, keyTtlMs, this.#clientId, CLIENT_LIVENESS_MS];
      const raw = await within(this.#takeScript.run(this.#redis, bucketKeys(this.#options.prefix, bucket), args), timeoutMs, () => timeoutError(timeoutMs));
      const reply = parseTakeReply(raw, request.now);
      this.#views.set(bucket, reply.view);
      this.#replayReports();
      if (!reply.ok) {
        const refused = refusal(reply);
        if (refused.retryAt !== undefined) this.#refused.set(bucket, { ...refused, retryAt: refused.retryAt });
        return refused;
      }
      // the log is full for this client's next take until then: no need to ask Redis before
      if (reply.next >= 0) this.#refused.set(bucket, { ok: false, retryAt: reply.next - reply.view.offset, reason: 'quota' });
      const send: SendRecord = { id: reply.value, sentAt: request.now, cost: request.cost };
      this.#sends.set(send, { kind: 'shared', seq: reply.value, units, through: reply.total, sentAt: reply.now, askedAt: request.now, epoch: reply.epoch });
      decision = { ok: true, send };
    } catch (error) {
      const failure = this.#failure(bucket, 'take a token', error);
      if (this.#options.onStoreError === 'fail') throw failure;
      return this.#takeLocal(this.#enterLocal(bucket, request.now), request);
    }
    return decision;
  }

  async report(grant: Grant, observation: Observation): Promise<ObserveResult> {
    const entry = this.#sends.get(grant.send);
    if (entry === undefined) return {};
    this.#sends.delete(grant.send);
    const { bucket } = grant;
    if (entry.kind === 'local') {
      const result = entry.model.observe(grant.send, localObservation(observation));
      this.#notify(bucket);
      return result;
    }
    const maxRetryAfterMs = this.#defaults.get(bucket)?.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    const { guardMs, keyTtlMs, leaseMs, timeoutMs, prefix } = this.#options;
    const args = reportArgs(entry, observation, { maxRetryAfterMs, guardMs, keyTtlMs, leaseMs, channel: this.#channel, bucket });
    try {
      await this.#ready(bucket);
      const raw = await within(this.#reportScript.run(this.#redis, bucketKeys(prefix, bucket), args), timeoutMs, () => timeoutError(timeoutMs));
      this.#replayReports();
      const reply = parseReportReply(raw, observation.now);
      this.#views.set(bucket, reply.view);
      // news this process's cached refusal did not plan for: ask Redis next time
      if (reply.pausedUntil >= 0 || reply.limitChanged) this.#refused.delete(bucket);
      const result: { pausedUntil?: number; limitChanged?: boolean } = {};
      if (reply.pausedUntil >= 0) result.pausedUntil = reply.pausedUntil - reply.view.offset;
      if (reply.limitChanged) result.limitChanged = true;
      return result;
    } catch (error) {
      // Sent again once Redis answers: an unreported send would hold its slot until its lease ends.
      // (Running a report twice, when the lost one did run, changes nothing the first did not.)
      if (this.#unreported.length < MAX_UNREPORTED) this.#unreported.push({ bucket, args, failedAt: Date.now(), attempts: 0 });
      const failure = this.#failure(bucket, 'record a response', error);
      if (this.#options.onStoreError === 'fail') throw failure;
      const local = this.#enterLocal(bucket, observation.now);
      // The response's wait must not be lost with the report: the local bucket honours it.
      local.model.observe(this.#pauseCarrier(local, observation.now), localObservation(observation));
      return {};
    }
  }

  subscribe(listener: (bucket: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(now: number): ReadonlyMap<string, ModelSnapshot> {
    const result = new Map<string, ModelSnapshot>();
    for (const [bucket, view] of this.#views) result.set(bucket, snapshotOf(view, now));
    for (const bucket of this.#local.buckets) {
      const local = this.#local.get(bucket);
      if (local !== undefined) result.set(bucket, local.model.snapshot(now));
    }
    return result;
  }

  /** Closes the wake channel's connection (not yours, `options.redis`) and forgets every listener. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#redis.off('ready', this.#onReady);
    this.#subscriber.off('message', this.#onMessage);
    this.#subscriber.off('ready', this.#onReady);
    this.#subscriber.disconnect();
    this.#listeners.clear();
    this.#local.clear();
    this.#refused.clear();
  }

  /** Wait for a connection still being set up; fail at once when it is lost (no queueing behind an outage). */
  async #ready(bucket: string): Promise<void> {
    const status = this.#redis.status;
    if (status === 'ready' || status === 'wait') return;
    if (status !== 'connecting' && status !== 'connect') throw new Error(`the Redis connection is ${status}`);
    const { timeoutMs } = this.#options;
    await within(
      new Promise<void>((resolve) => this.#redis.once('ready', () => resolve())),
      timeoutMs,
      () => new Error(`Redis was not ready within ${timeoutMs} ms (bucket ${bucket})`),
    );
  }

  /** Sends the reports Redis did not take, oldest first, while it answers. */
  #replayReports(): void {
    if (this.#replaying || this.#unreported.length === 0 || this.#closed) return;
    this.#replaying = true;
    const { prefix, timeoutMs } = this.#options;
    void (async () => {
      try {
        for (let next = this.#unreported[0]; next !== undefined && !this.#closed; next = this.#unreported[0]) {
          // a report Redis keeps refusing (not merely missing) is given up after three tries
          if (++next.attempts > 3) {
            this.#unreported.shift();
            continue;
          }
          const args = sinceFailure(next.args, Date.now() - next.failedAt);
          await within(this.#reportScript.run(this.#redis, bucketKeys(prefix, next.bucket), args), timeoutMs, () => timeoutError(timeoutMs));
          this.#unreported.shift();
        }
      } catch {
        // still unreachable: the next successful call tries again
      } finally {
        this.#replaying = false;
      }
    })();
  }

  /** Hands a local share over to Redis; false when Redis did not take it (stay local). */
  async #announce(bucket: string, local: LocalBucket, now: number): Promise<boolean> {
    const { prefix, keyTtlMs, timeoutMs } = this.#options;
    const args = [this.#clientId, local.share, Math.ceil(local.sharedAgainAt - now), keyTtlMs, local.limit, local.limit > 0 ? local.windowMs : 0, local.processes];
    try {
      await within(this.#announceScript.run(this.#redis, bucketKeys(prefix, bucket), args), timeoutMs, () => timeoutError(timeoutMs));
      return true;
    } catch {
      return false;
    }
  }

  #takeLocal(local: LocalBucket, request: TakeRequest): TakeDecision {
    const decision = this.#local.take(local, request.now, request.cost, this.#options.guardMs);
    if (decision.ok) this.#sends.set(decision.send, { kind: 'local', model: local.model });
    return decision;
  }

  #enterLocal(bucket: string, now: number): LocalBucket {
    const defaults = this.#defaults.get(bucket) ?? {};
    return this.#local.enter(bucket, now, defaults, this.#views.get(bucket), this.#options.expectedProcesses, this.#options.guardMs);
  }

  /** A send of no cost the local model knows, so a failed report's 429 can pause it. */
  #pauseCarrier(local: LocalBucket, now: number): SendRecord {
    const decision = local.model.take(now, {});
    return decision.ok ? decision.send : { id: -1, sentAt: now, cost: {} };
  }

  #failure(bucket: string, action: 'take a token' | 'record a response', cause: unknown): QuotaStoreError {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const error = new QuotaStoreError(
      bucket,
      'redis',
      `The Redis quota store could not ${action} (${reason}); ` +
        (this.#options.onStoreError === 'local'
          ? 'the bucket continues on a local share of its limit'
          : action === 'take a token'
            ? 'the request was not sent'
            : 'the shared bucket did not learn from this response'),
      { cause },
    );
    this.#options.onError?.(error);
    return error;
  }

  #notify(bucket: string): void {
    if (this.#closed) return;
    for (const listener of this.#listeners) listener(bucket);
  }
}

/** A report's waits (reset, retry-after) are delays from its response: shorten them by the time since. */
function sinceFailure(args: readonly (string | number)[], elapsed: number): (string | number)[] {
  const copy = [...args];
  for (const index of [REPORT_ARG_RESET_DELAY, REPORT_ARG_RETRY_DELAY]) {
    const value = copy[index];
    if (typeof value === 'number' && value >= 0) copy[index] = Math.max(0, value - Math.ceil(elapsed));
  }
  return copy;
}

const timeoutError = (ms: number): Error => new Error(`Redis did not answer within ${ms} ms`);
