/**
 * A discrete-event simulation of the real client (createClient) against a ky-quota/msw endpoint,
 * under vitest fake timers: the stub fetch waits a random latency, is admitted (or refused) by the
 * endpoint part-way through it, and answers with the dialect's headers. Everything the properties
 * assert on is recorded here.
 */
import { vi } from 'vitest';
import { createClient, type QuotaKyInstance, type QuotaOptions } from '../../../src/index.ts';
import { createEndpoint, type Endpoint } from '../../../src/msw/endpoint.ts';
import type { Algorithm } from '../../../src/msw/limiters/types.ts';
import type { Dialect } from '../../../src/msw/dialects.ts';
import type { LimitChange } from '../../../src/msw/endpoint.ts';

export const T0 = Date.parse('2026-11-23T12:00:00.000Z');

/** One request of a scenario's mix. */
export interface SimRequest {
  /** When the caller issues it, ms after the start. */
  readonly at: number;
  readonly priority: number;
  /** Units of `requests` it spends (the server is told by a header). */
  readonly cost: number;
  /** Abort it this long after it was issued. */
  readonly abortAfterMs?: number | undefined;
}

export interface Scenario {
  readonly algorithm: Algorithm;
  readonly dialect: Dialect;
  readonly limit: number;
  readonly windowMs: number;
  /** Latency range per attempt, ms. */
  readonly latency: readonly [number, number];
  /** Share of the latency before the server admits the attempt. */
  readonly admitAt: number;
  readonly requests: readonly SimRequest[];
  readonly schedule: readonly LimitChange[];
  /** Seeds the latency draws. */
  readonly seed: number;
  /** Start offset inside a window (fixed windows align to the epoch). */
  readonly phaseMs: number;
}

/** One attempt as the server saw it. */
export interface Arrival {
  readonly id: number;
  /** When the client sent it (the stub fetch was called). */
  readonly sentAt: number;
  readonly at: number;
  readonly cost: number;
  readonly status: 200 | 429;
  /** The limit in force when it arrived. */
  readonly limit: number;
}

export type Outcome = 'ok' | string;

export interface SimResult {
  readonly arrivals: readonly Arrival[];
  readonly outcomes: readonly (Outcome | undefined)[];
  /** How many times each request's promise settled (must be 1). */
  readonly settleCounts: readonly number[];
  readonly queuedAtEnd: number;
  readonly inFlightAtEnd: number;
  readonly bucketsBusyAtEnd: number;
  readonly endedAt: number;
  readonly startedAt: number;
  /** When the client first received a response carrying quota headers (Infinity: never). */
  readonly policySeenAt: number;
}

/** A small, fast, seeded PRNG (mulberry32): the same seed gives the same latencies. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Seen {
  policyAt: number;
}

function simFetch(endpoint: Endpoint, scenario: Scenario, arrivals: Arrival[], seen: Seen): typeof fetch {
  const random = prng(scenario.seed);
  return (input) =>
    new Promise<Response>((resolve, reject) => {
      const request = input as Request;
      const id = Number(request.headers.get('x-sim-id'));
      const cost = Number(request.headers.get('x-sim-cost') ?? 1);
      const [min, max] = scenario.latency;
      const latency = min + random() * (max - min);
      const before = latency * scenario.admitAt;
      const { signal } = request;
      const sentAt = Date.now();
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      let second: ReturnType<typeof setTimeout> | undefined;
      const onAbort = (): void => {
        clearTimeout(first);
        clearTimeout(second);
        reject(signal.reason);
      };
      const first = setTimeout(() => {
        const reply = endpoint.handle(cost);
        arrivals.push({ id, sentAt, at: Date.now(), cost, status: reply.status, limit: endpoint.limiter.limit });
        second = setTimeout(() => {
          signal.removeEventListener('abort', onAbort);
          if (reply.headers.length > 1) seen.policyAt = Math.min(seen.policyAt, Date.now());
          resolve(new Response(JSON.stringify(reply.body), { status: reply.status, headers: reply.headers }));
        }, latency - before);
      }, before);
      signal.addEventListener('abort', onAbort, { once: true });
    });
}

/** Advance fake time event by event until `done()` or `capMs` of simulated time. */
export async function runUntil(done: () => boolean, capMs: number): Promise<void> {
  const end = Date.now() + capMs;
  let idleSpins = 0;
  while (!done() && Date.now() < end) {
    if (vi.getTimerCount() > 0) {
      idleSpins = 0;
      await vi.advanceTimersToNextTimerAsync();
    } else {
      // Nothing scheduled: let real I/O-free work (body reads, promise chains) run.
      if (++idleSpins > 1000) throw new Error('Simulation stuck: no timer pending and requests unsettled');
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

/** Run a scenario with the real client; fake timers must be on. */
export async function simulate(scenario: Scenario, options: { capMs?: number; retryLimit?: number; quota?: QuotaOptions } = {}): Promise<SimResult> {
  vi.setSystemTime(T0 + scenario.phaseMs);
  const startedAt = Date.now();
  const arrivals: Arrival[] = [];
  const seen: Seen = { policyAt: Number.POSITIVE_INFINITY };
  const endpoint = createEndpoint({
    algorithm: scenario.algorithm,
    limit: scenario.limit,
    windowMs: scenario.windowMs,
    dialect: scenario.dialect,
    schedule: scenario.schedule,
  });
  const api: QuotaKyInstance = createClient({
    baseUrl: 'https://api.sim/',
    fetch: simFetch(endpoint, scenario, arrivals, seen),
    retry: { limit: options.retryLimit ?? 4 },
    timeout: false,
    ...(options.quota === undefined ? {} : { quota: options.quota }),
  });
  const outcomes: (Outcome | undefined)[] = scenario.requests.map(() => undefined);
  const settleCounts = scenario.requests.map(() => 0);
  let settled = 0;
  scenario.requests.forEach((spec, id) => {
    setTimeout(() => {
      const controller = new AbortController();
      if (spec.abortAfterMs !== undefined) setTimeout(() => controller.abort(), spec.abortAfterMs);
      api
        .get('items', {
          context: { priority: spec.priority, cost: spec.cost },
          headers: { 'x-sim-id': String(id), 'x-sim-cost': String(spec.cost) },
          signal: controller.signal,
        })
        .then(
          async (response) => {
            await response.arrayBuffer();
            return 'ok';
          },
          (error: unknown) => (error as Error).name,
        )
        .then((outcome) => {
          outcomes[id] = outcome;
          settleCounts[id] = (settleCounts[id] ?? 0) + 1;
          settled++;
        });
    }, spec.at);
  });
  try {
    await runUntil(() => settled === scenario.requests.length, options.capMs ?? 30 * 60_000);
    const snapshot = api.quota.snapshot();
    return {
      arrivals,
      outcomes,
      settleCounts,
      queuedAtEnd: api.quota.queued,
      inFlightAtEnd: api.quota.inFlight,
      bucketsBusyAtEnd: snapshot.filter((bucket) => bucket.inFlight !== 0 || bucket.queued !== 0).length,
      endedAt: Date.now(),
      startedAt,
      policySeenAt: seen.policyAt,
    };
  } finally {
    await api.quota.close();
  }
}

/** Most units accepted in any span of `windowMs` (a sliding log must keep it <= its limit). */
export function maxAcceptedInSpan(arrivals: readonly Arrival[], windowMs: number): number {
  const accepted = arrivals.filter((arrival) => arrival.status === 200);
  let most = 0;
  let sum = 0;
  let head = 0;
  for (const arrival of accepted) {
    sum += arrival.cost;
    while (head < accepted.length && (accepted[head]?.at ?? 0) <= arrival.at - windowMs) {
      sum -= accepted[head]?.cost ?? 0;
      head++;
    }
    most = Math.max(most, sum);
  }
  return most;
}
