/**
 * One rate-limited endpoint, shared by the node:http reference server and the msw handler:
 * limiter + dialect + limit schedule + counters. Pure apart from the injected clock.
 */
import { createLimiter } from './limiters.ts';
import type { Algorithm, Decision, Limiter } from './limiters.ts';
import { emitHeaders } from './dialects.ts';
import type { Dialect, HeaderList } from './dialects.ts';

export interface LimitChange {
  /** Milliseconds after the endpoint's start (or its last `restart()`). */
  atMs: number;
  limit: number;
}

export interface EndpointOptions {
  algorithm: Algorithm;
  limit: number;
  windowMs: number;
  dialect: Dialect;
  /** Limit changes relative to start, applied when the first request after `atMs` arrives. */
  schedule?: readonly LimitChange[];
  now?: () => number;
}

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

export interface EndpointReply {
  status: 200 | 429;
  headers: HeaderList;
  body: { ok: true; n: number } | { ok: false; error: string };
  decision: Decision;
}

export interface Endpoint {
  handle(cost?: number): EndpointReply;
  setLimit(limit: number): void;
  readonly stats: EndpointStats;
  readonly limiter: Limiter;
  /** Fresh limiter, counters and schedule clock, starting now. */
  restart(): void;
}

export function createEndpoint(options: EndpointOptions): Endpoint {
  const now = options.now ?? (() => Date.now());
  const schedule = [...(options.schedule ?? [])].sort((a, b) => a.atMs - b.atMs);
  let limiter = createLimiter(options);
  let nextChange = 0;
  let spanStart = 0;
  const stats: EndpointStats = {
    accepted: 0,
    rejected: 0,
    maxAcceptedPerWindow: 0,
    acceptedAt: [],
    rejectedAt: [],
    startedAt: now(),
  };

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
    setLimit(limit) {
      limiter.setLimit(limit);
    },
    restart() {
      limiter = createLimiter(options);
      nextChange = 0;
      spanStart = 0;
      stats.accepted = 0;
      stats.rejected = 0;
      stats.maxAcceptedPerWindow = 0;
      stats.acceptedAt = [];
      stats.rejectedAt = [];
      stats.startedAt = now();
    },
    handle(cost = 1) {
      const at = now();
      applySchedule(at);
      const decision = limiter.admit(at, cost);
      const headers = emitHeaders(options.dialect, decision, at, { windowMs: options.windowMs });
      if (decision.allowed) {
        stats.accepted += 1;
        stats.acceptedAt.push(at);
        while ((stats.acceptedAt[spanStart] ?? at) <= at - options.windowMs) spanStart += 1;
        stats.maxAcceptedPerWindow = Math.max(stats.maxAcceptedPerWindow, stats.acceptedAt.length - spanStart);
        return { status: 200, headers, body: { ok: true, n: stats.accepted }, decision };
      }
      stats.rejected += 1;
      stats.rejectedAt.push(at);
      return { status: 429, headers, body: { ok: false, error: 'rate limited' }, decision };
    },
  };
}
