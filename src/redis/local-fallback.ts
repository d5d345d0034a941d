import { QuotaModel } from '../bucket/quota-model.ts';
import type { Observation, QuotaModelOptions, SendRecord, TakeDecision, Units } from '../bucket/types.ts';
import type { SharedView } from './replies.ts';

/** With nothing better known, a local share paces over this window (a minute is cautious). */
const UNKNOWN_WINDOW_MS = 60_000;

/** One bucket running in this process while Redis is out of reach. */
export interface LocalBucket {
  readonly model: QuotaModel;
  /** The window its share paces over, ms. */
  readonly windowMs: number;
  /** Every local send has surely left the window by then: until this time Redis must count them. */
  sharedAgainAt: number;
  /** The most units this process sends in one window while local (its share). */
  readonly share: number;
  /** The whole limit and window the share was cut from (0: unknown), handed back to Redis with it. */
  readonly limit: number;
  /** The processes the limit was shared among: those not back yet may still spend their share. */
  readonly processes: number;
}

/**
 * The `onStoreError: 'local'` fallback: a {@link QuotaModel} per bucket on a conservative share
 * of the last limit Redis knew (limit / processes). It is fed statuses and `Retry-After` only:
 * the server's `remaining` speaks for every process, and a local model that trusted it would let
 * each process spend it whole.
 */
export class LocalFallback {
  readonly #buckets = new Map<string, LocalBucket>();

  get(bucket: string): LocalBucket | undefined {
    return this.#buckets.get(bucket);
  }

  /** Buckets running locally now. */
  get buckets(): readonly string[] {
    return [...this.#buckets.keys()];
  }

  /** Start a bucket locally, from what Redis last said about it (nothing, when it never answered). */
  enter(
    bucket: string,
    now: number,
    defaults: QuotaModelOptions,
    view: SharedView | undefined,
    expectedProcesses: number | undefined,
    guardMs: number,
  ): LocalBucket {
    const existing = this.#buckets.get(bucket);
    if (existing !== undefined) return existing;
    const processes = Math.max(1, expectedProcesses ?? view?.live ?? 1);
    const known = view !== undefined && view.limit > 0;
    const limit = known ? view.limit : defaults.limit;
    const windowMs = (known ? view.windowMs : defaults.windowMs) || (limit === undefined ? undefined : UNKNOWN_WINDOW_MS);
    const options: { -readonly [K in keyof QuotaModelOptions]: QuotaModelOptions[K] } = {
      initialConcurrency: 1,
      maxRetryAfterMs: defaults.maxRetryAfterMs,
    };
    if (limit !== undefined && windowMs !== undefined) {
      options.limit = Math.max(1, Math.floor(limit / processes));
      options.windowMs = windowMs;
    }
    const model = new QuotaModel(options);
    // The shared window may be full of other processes' sends this model never saw: the local
    // share starts once they have surely left (one window), or after a pause in progress.
    const paused = view === undefined || view.pausedUntil < 0 ? now : view.pausedUntil - view.offset;
    const sharedWindowEnd = known && windowMs !== undefined ? now + windowMs + guardMs : now;
    const until = Math.max(paused, sharedWindowEnd);
    if (until > now) pause(model, now, until);
    const share = options.limit ?? 1;
    const local: LocalBucket = { model, windowMs: windowMs ?? UNKNOWN_WINDOW_MS, sharedAgainAt: now, share, limit: options.limit === undefined ? 0 : (limit ?? 0), processes };
    this.#buckets.set(bucket, local);
    return local;
  }

  take(local: LocalBucket, now: number, cost: Units, guardMs: number): TakeDecision {
    const decision = local.model.take(now, cost);
    if (decision.ok) local.sharedAgainAt = Math.max(local.sharedAgainAt, now + local.windowMs + guardMs);
    return decision;
  }

  /** Back to Redis: later reports of local sends still reach their model through their grant. */
  leave(bucket: string): void {
    this.#buckets.delete(bucket);
  }

  clear(): void {
    this.#buckets.clear();
  }
}

/** Only statuses and waits: see {@link LocalFallback}. */
export function localObservation(observation: Observation): Observation {
  const { parsed } = observation;
  if (parsed === undefined) return observation;
  const stripped: { policies: []; retryAt?: number } = { policies: [] };
  if (parsed.retryAt !== undefined) stripped.retryAt = parsed.retryAt;
  return { ...observation, parsed: stripped };
}

/** Carry a shared pause into a fresh local model: a 429 on a send of no cost, observed at once. */
function pause(model: QuotaModel, now: number, until: number): void {
  const decision = model.take(now, {});
  if (!decision.ok) return;
  const send: SendRecord = decision.send;
  model.observe(send, { now, status: 429, parsed: { policies: [], retryAt: until } });
}
