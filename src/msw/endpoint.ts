/**
 * One rate-limited endpoint, shared by the node:http reference server, the msw handlers and the
 * property tests: limiter + dialect + limit schedule + counters. Pure apart from the injected clock.
 */
import { createLimiter } from './limiters.ts';
import type { Algorithm, Decision, Limiter } from './limiters/types.ts';
import { emitHeaders } from './dialects.ts';
import type { Dialect, HeaderList } from './dialects.ts';

/** The server changes its limit `atMs` after it started. */
export interface LimitChange {
  /** Milliseconds after the endpoint's start (or its last `restart()`). */
  atMs: number;
  limit: number;
}

/** Options of {@link createEndpoint}. */
export interface EndpointOptions {
  algorithm: Algorithm;
  limit: number;
  windowMs: number;
  dialect: Dialect;
  /** Limit changes relative to start, applied when the first request after `atMs` arrives. */
  schedule?: readonly LimitChange[];
  /** @default () => Date.now() */
  now?: () => number;
  /**
   * When the schedule's clock starts: `'now'` (creation and `restart()`), or `'first-request'`
   * (the first request after them: what a test wants when it creates handlers before faking time).
   * @default 'now'
   */
  start?: 'now' | 'first-request';
  /** IETF policy name. @default 'default' */
  policyName?: string;
  /** GitHub's `x-ratelimit-resource`. @default 'core' */
  resource?: string;
  /**
   * Keep every admission time in `stats.acceptedAt` / `rejectedAt` (a day-long soak turns it off
   * so the log does not grow; the counters and `maxAcceptedPerWindow` still work).
   * @default true
   */
  recordTimes?: boolean;
}

/** Live counters of an endpoint. */
export interface EndpointStats {
  accepted: number;
  rejected: number;
  /** Most requests accepted in any span of one window (span = `windowMs`). */
  maxAcceptedPerWindow: number;
  /** Admission times (ms, same clock as `now`), in order. */
  acceptedAt: number[];
  rejectedAt: number[];
  startedAt: number;
}

/** What the endpoint answers to one request. */
export interface EndpointReply {
  status: 200 | 429;
  headers: HeaderList;
  body: { ok: true; n: number } | { ok: false; error: string };
  decision: Decision;
}

/** A rate-limited endpoint: answer requests, change the limit, read the counters. */
export interface Endpoint {
  /** Admit (or refuse) one request of `cost` units now. */
  handle(cost?: number): EndpointReply;
  setLimit(limit: number): void;
  readonly stats: EndpointStats;
  readonly limiter: Limiter;
  readonly options: Readonly<EndpointOptions>;
  /** Fresh limiter, counters and schedule clock, starting now (or at the next request). */
  restart(): void;
}

/**
 * Create an endpoint.
 *
 * @example
 * ```ts
 * const endpoint = createEndpoint({ algorithm: 'sliding', limit: 10, windowMs: 1000, dialect: 'ietf', schedule: [{ atMs: 60_000, limit: 5 }] });
 * const { status, headers } = endpoint.handle();
 * ```
 */
export function createEndpoint(options: EndpointOptions): Endpoint {
  const now = options.now ?? (() => Date.now());
  const lazy = options.start === 'first-request';
  const schedule = [...(options.schedule ?? [])].sort((a, b) => a.atMs - b.atMs);
  let limiter = createLimiter(options);
  let nextChange = 0;
  let spanStart = 0;
  let started = !lazy;
  const record = options.recordTimes ?? true;
  const stats: EndpointStats = {
    accepted: 0,
    rejected: 0,
    maxAcceptedPerWindow: 0,
    acceptedAt: [],
    rejectedAt: [],
    startedAt: lazy ? Number.NaN : now(),
  };
  // With times recorded the span counter reads the log itself; without, a private trimmed copy.
  let recent = record ? stats.acceptedAt : [];
  const emitOptions = { windowMs: options.windowMs, policyName: options.policyName, resource: options.resource };

  const applySchedule = (at: number): void => {
    for (let change = schedule[nextChange]; change !== undefined; change = schedule[nextChange]) {
      if (at - stats.startedAt < change.atMs) break;
      limiter.setLimit(change.limit);
      nextChange += 1;
    }
  };

  return {
    get stats() {
      return stats;
    },
    get limiter() {
      return limiter;
    },
    options,
    setLimit(limit) {
      limiter.setLimit(limit);
    },
    restart() {
      limiter = createLimiter(options);
      nextChange = 0;
      spanStart = 0;
      started = !lazy;
      stats.accepted = 0;
      stats.rejected = 0;
      stats.maxAcceptedPerWindow = 0;
      stats.acceptedAt = [];
      stats.rejectedAt = [];
      recent = record ? stats.acceptedAt : [];
      stats.startedAt = lazy ? Number.NaN : now();
    },
    handle(cost = 1) {
      const at = now();
      if (!started) {
        started = true;
        stats.startedAt = at;
      }
      applySchedule(at);
      const decision = limiter.admit(at, cost);
      const headers = emitHeaders(options.dialect, decision, at, emitOptions);
      if (decision.allowed) {
        stats.accepted += 1;
        recent.push(at);
        while ((recent[spanStart] ?? at) <= at - options.windowMs) spanStart += 1;
        stats.maxAcceptedPerWindow = Math.max(stats.maxAcceptedPerWindow, recent.length - spanStart);
        if (!record && spanStart > 1024) {
          recent = recent.slice(spanStart);
          spanStart = 0;
        }
        return { status: 200, headers, body: { ok: true, n: stats.accepted }, decision };
      }
      stats.rejected += 1;
      if (record) stats.rejectedAt.push(at);
      return { status: 429, headers, body: { ok: false, error: 'rate limited' }, decision };
    },
  };
}
