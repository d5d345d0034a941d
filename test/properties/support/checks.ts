import { expect } from 'vitest';
import type { Scenario, SimResult } from './sim.ts';

/** Every request settled exactly once, with an allowed outcome, and the quota drained. */
export function expectSettledAndDrained(result: SimResult, allowed: readonly string[]): void {
  expect(result.settleCounts.every((count) => count === 1), 'every request settles exactly once').toBe(true);
  for (const outcome of result.outcomes) expect(allowed, `outcome ${String(outcome)}`).toContain(outcome);
  expect(result.queuedAtEnd, 'quota.queued').toBe(0);
  expect(result.inFlightAtEnd, 'quota.inFlight').toBe(0);
  expect(result.bucketsBusyAtEnd, 'buckets with queued or in-flight requests').toBe(0);
}

/** No request is accepted twice (a lost or duplicated send), and every `ok` was accepted exactly once. */
export function expectExactlyOnceAtServer(result: SimResult): void {
  const accepted = new Map<number, number>();
  for (const arrival of result.arrivals) if (arrival.status === 200) accepted.set(arrival.id, (accepted.get(arrival.id) ?? 0) + 1);
  for (const [id, count] of accepted) expect(count, `request ${id} accepted`).toBe(1);
  result.outcomes.forEach((outcome, id) => {
    if (outcome === 'ok') expect(accepted.get(id), `ok request ${id} accepted`).toBe(1);
  });
}

/**
 * Attempts the server refused that the client sent after it had seen the policy: it sent more
 * than the limit allowed. (Before the first response the limit is unknown; the client probes.)
 */
export function overshoot(result: SimResult): number {
  return result.arrivals.filter((arrival) => arrival.status === 429 && arrival.sentAt > result.policySeenAt).length;
}

/** When the first limit decrease takes effect, ms epoch (Infinity: never). */
export function firstDropAt(scenario: Scenario, startedAt: number): number {
  let limit = scenario.limit;
  for (const change of [...scenario.schedule].sort((a, b) => a.atMs - b.atMs)) {
    if (change.limit < limit) return startedAt + change.atMs;
    limit = change.limit;
  }
  return Number.POSITIVE_INFINITY;
}

/** A one-line description for failure messages and the figures log. */
export function describeScenario(scenario: Scenario): string {
  return JSON.stringify(scenario);
}
