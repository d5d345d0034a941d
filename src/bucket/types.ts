import type { ParsedRateLimit } from '../headers/types.ts';

/**
 * What one request spends, per unit: `{ requests: 1 }` for an ordinary request,
 * `{ requests: 1, tokens: 1200 }` for an LLM call. A policy gates the unit it counts
 * (`RateLimitPolicy.unit`, `'requests'` when the server does not say).
 */
export type Units = Readonly<Record<string, number>>;

/** A send the model admitted: it counts against the quota from `sentAt` on. */
export interface SendRecord {
  /** Unique within one model, increasing in send order. */
  readonly id: number;
  /** The clock when the model admitted it, epoch ms. */
  readonly sentAt: number;
  readonly cost: Units;
}

/** Why a take was refused: what the model waits for. */
export type WaitReason =
  /** No quota headers seen yet: one probe (or `initialConcurrency`) is in flight. */
  | 'probing'
  /** The window or bucket is spent until `retryAt`. */
  | 'quota'
  /** A 429/503 paused the bucket until `retryAt`. */
  | 'paused'
  /** Waiting for a response that will tell more (no time is known). */
  | 'response'
  /**
   * Not a wait: the cost exceeds a policy's whole limit (`unit`, `limit`), so waiting can never
   * help. The scheduler rejects the request with `CostExceedsLimitError`.
   */
  | 'too-large';

/** The model's answer to a take. */
export type TakeDecision =
  | { readonly ok: true; readonly send: SendRecord }
  | {
      readonly ok: false;
      /** The earliest time, epoch ms, worth asking again; `undefined`: ask again after the next response. */
      readonly retryAt: number | undefined;
      readonly reason: WaitReason;
      /** With `'too-large'`: the unit whose policy can never hold the cost. */
      readonly unit?: string;
      /** With `'too-large'`: that policy's whole limit. */
      readonly limit?: number;
    };

/** What a response (or a failed attempt) told the model. */
export interface Observation {
  /** The clock when the response's headers arrived, epoch ms. */
  readonly now: number;
  /** HTTP status; `undefined` when the attempt ended without a response (network error, abort, timeout). */
  readonly status?: number;
  /** The parsed headers (empty policies when there were none or they were hidden). */
  readonly parsed?: ParsedRateLimit;
}

/** What the model concluded from an observation. */
export interface ObserveResult {
  /** Set when this observation paused the whole bucket (a 429/503 with a wait), epoch ms. */
  readonly pausedUntil?: number;
  /** The limit changed (learned for the first time, raised or lowered). */
  readonly limitChanged?: boolean;
}

/** Where the model's current view of the limit came from. */
export type QuotaSource =
  /** Nothing known yet: probing. */
  | 'unknown'
  /** The user's `limit`/`windowMs` options. */
  | 'configured'
  /** The server's headers. */
  | 'server'
  /** Estimated from 429s and goodput (the server sends no quota headers). */
  | 'estimated';

/** A point-in-time view of one policy inside a model. */
export interface PolicySnapshot {
  readonly name: string;
  readonly unit: string;
  readonly limit: number | undefined;
  /** Units this client may still spend now, in the model's view (server's remaining, less our sends since). */
  readonly remaining: number | undefined;
  readonly resetAt: number | undefined;
  /** The window the model paces with (stated, configured or learned upper bound), ms. */
  readonly windowMs: number | undefined;
  /** True while the window is inferred and not settled: `windowMs` is then a loose upper bound. */
  readonly windowLearning?: boolean;
}

/** A point-in-time view of one bucket's model. */
export interface ModelSnapshot {
  readonly limit: number | undefined;
  readonly remaining: number | undefined;
  readonly resetAt: number | undefined;
  readonly windowMs: number | undefined;
  readonly inFlight: number;
  readonly pausedUntil: number | undefined;
  readonly source: QuotaSource;
  readonly policies: readonly PolicySnapshot[];
}

/** Options of a bucket's quota model. */
export interface QuotaModelOptions {
  /** Units (requests) per window the user declared; the server's headers override it. */
  readonly limit?: number;
  /** The window the user declared, ms. */
  readonly windowMs?: number;
  /** Requests let out at once before the first response with quota headers. @default 1 */
  readonly initialConcurrency?: number;
  /** The longest pause a 429/503 may impose, ms (longer waits are reported, not waited). @default 60_000 */
  readonly maxRetryAfterMs?: number;
}
