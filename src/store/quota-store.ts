import type { ModelSnapshot, ObserveResult, Observation, QuotaModelOptions, SendRecord, TakeDecision, Units } from '../bucket/types.ts';

/** A request for tokens, as the scheduler asks a store for them. */
export interface TakeRequest {
  /** Which quota: see `QuotaOptions.bucketKey`. */
  readonly bucket: string;
  readonly cost: Units;
  /** The client's clock, epoch ms (stores with their own clock, like Redis, may ignore it). */
  readonly now: number;
  /** How to set up the bucket when it does not exist yet (user-declared limit, window, probes). */
  readonly defaults: QuotaModelOptions;
}

/** A token the store handed out: it counts against the bucket until its attempt is reported. */
export interface Grant {
  readonly bucket: string;
  readonly send: SendRecord;
  /** When the scheduler handed it out, on the client's clock (`send.sentAt` is on the store's). */
  readonly grantedAt?: number;
}

/** The answer to a {@link TakeRequest}. */
export type TakeResult = TakeDecision;

/**
 * Where a quota lives. The one seam between "may this request go now?" and the bucket's home:
 * memory (one process or one tab), broadcast (the tabs of an origin), redis (many processes).
 * The scheduler above it (priorities, aborts, queue bound, timeouts, concurrency) is the same
 * for every store.
 */
export interface QuotaStore {
  /** A short name for diagnostics and snapshots: `'memory'`, `'broadcast'`, `'redis'`. */
  readonly kind: string;
  /** Take `cost` from a bucket now, or say when to ask again. Never waits itself. */
  take(request: TakeRequest): TakeResult | Promise<TakeResult>;
  /** The attempt a grant allowed has ended (a response, or none): feed what it showed into the bucket. */
  report(grant: Grant, observation: Observation): ObserveResult | Promise<ObserveResult>;
  /** Called with a bucket's key whenever something happened that may let its waiters go sooner. */
  subscribe(listener: (bucket: string) => void): () => void;
  /** Every bucket this store knows, as of `now`. */
  snapshot(now: number): ReadonlyMap<string, ModelSnapshot>;
  /** Release timers, channels and connections. Idempotent. */
  close(): Promise<void>;
}
