import { QuotaModel } from '../../../src/bucket/quota-model.ts';
import type { QuotaModelOptions, SendRecord } from '../../../src/bucket/types.ts';
import { report, type Dialect } from './dialects.ts';
import { createRandom } from './prng.ts';
import { createServer, type ServerKind } from './servers.ts';

/** One simulated run's setup. */
export interface Scenario {
  readonly name: string;
  readonly kind: ServerKind;
  readonly dialect: Dialect;
  readonly windowMs: number;
  readonly limit: number;
  /** Run length, ms. */
  readonly durationMs: number;
  /** The limit changes to `to` at `at` ms into the run. */
  readonly limitChange?: { readonly at: number; readonly to: number };
  readonly requests?: number;
  readonly model?: QuotaModelOptions;
  /**
   * A busy client (the event loop shared with building each request): the k-th send admitted at
   * one instant leaves about k times this many ms later than its send time says. 0 by default.
   */
  readonly dispatchLagMs?: number;
  /** A client that keeps at most this many requests in flight (a browser's 6 connections per host). */
  readonly maxInFlight?: number;
  /** Each leg's latency range, ms. @default [10, 15] */
  readonly legMs?: readonly [number, number];
}

/** What one run produced. */
export interface RunResult {
  readonly accepted: number;
  readonly rejected: number;
  /** Units the server allowed in the run: limit x duration / window (piecewise over a limit change). */
  readonly allowed: number;
  readonly utilization: number;
  /** 429s of requests sent after the first response (the policy is known from then on). */
  readonly rejectedAfterFirst: number;
  /** Requests in flight at the limit change. */
  readonly inFlightAtChange: number;
  /** Accepted from one window after the limit change to the end, and what that span allowed. */
  readonly acceptedAfterChange: number;
  readonly allowedAfterChange: number;
  /** Most requests in flight at once. */
  readonly peakInFlight: number;
  readonly takeCalls: number;
}

type Event =
  | { readonly time: number; readonly seq: number; readonly type: 'arrive'; readonly send: SendRecord }
  | { readonly time: number; readonly seq: number; readonly type: 'respond'; readonly send: SendRecord; readonly arrivalAt: number; readonly accepted: boolean; readonly parsed: ReturnType<typeof report>; readonly status: number }
  | { readonly time: number; readonly seq: number; readonly type: 'wake' };

/** A binary min-heap on (time, seq): the event queue. */
class EventQueue {
  #heap: Event[] = [];
  get size(): number {
    return this.#heap.length;
  }
  push(event: Event): void {
    const heap = this.#heap;
    heap.push(event);
    let index = heap.length - 1;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!before(heap[index]!, heap[parent]!)) break;
      [heap[index], heap[parent]] = [heap[parent]!, heap[index]!];
      index = parent;
    }
  }
  pop(): Event | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let index = 0;
      for (;;) {
        const left = index * 2 + 1;
        const right = left + 1;
        let smallest = index;
        if (left < heap.length && before(heap[left]!, heap[smallest]!)) smallest = left;
        if (right < heap.length && before(heap[right]!, heap[smallest]!)) smallest = right;
        if (smallest === index) break;
        [heap[index], heap[smallest]] = [heap[smallest]!, heap[index]!];
        index = smallest;
      }
    }
    return top;
  }
}

function before(a: Event, b: Event): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/**
 * Runs one scenario: a client with a queue of requests calls take/observe as the real client
 * will (on refusal it waits until retryAt or the next response), against a simulated server,
 * with 20-30 ms round trips. Pure and deterministic for a seed.
 */
export function simulate(scenario: Scenario, seed: number): RunResult {
  const random = createRandom(seed);
  // Start at an arbitrary epoch-like instant so whole-second resets fall anywhere in a window.
  const start = 1_700_000_000_000 + Math.floor(random() * 1000);
  const end = start + scenario.durationMs;
  const changeAt = scenario.limitChange === undefined ? Infinity : start + scenario.limitChange.at;
  const server = createServer({
    kind: scenario.kind,
    windowMs: scenario.windowMs,
    phase: start + random() * scenario.windowMs,
    limitAt: (time) => (time >= changeAt && scenario.limitChange !== undefined ? scenario.limitChange.to : scenario.limit),
  });
  const model = new QuotaModel(scenario.model);
  const events = new EventQueue();
  let seq = 0;
  let queued = scenario.requests ?? 1500;
  let accepted = 0;
  let rejected = 0;
  let rejectedAfterFirst = 0;
  let firstResponseAt = Infinity;
  let inFlight = 0;
  let peakInFlight = 0;
  let inFlightAtChange = -1;
  let acceptedAfterChange = 0;
  let takeCalls = 0;
  let wakeAt = Infinity;
  const followFrom = changeAt + scenario.windowMs;

  const [legMin, legMax] = scenario.legMs ?? [10, 15];
  const leg = (): number => legMin + random() * (legMax - legMin);
  const pump = (now: number): void => {
    let burst = 0;
    while (queued > 0 && now < end && inFlight < (scenario.maxInFlight ?? Infinity)) {
      takeCalls++;
      const decision = model.take(now, { requests: 1 });
      if (!decision.ok) {
        if (decision.retryAt !== undefined && decision.retryAt < wakeAt) {
          wakeAt = decision.retryAt;
          events.push({ time: decision.retryAt, seq: seq++, type: 'wake' });
        }
        return;
      }
      queued--;
      inFlight++;
      peakInFlight = Math.max(peakInFlight, inFlight);
      // (No draw without a lag: every other scenario keeps its random sequence.)
      const lag = scenario.dispatchLagMs === undefined ? 0 : scenario.dispatchLagMs * burst++ * (0.5 + random());
      events.push({ time: now + lag + leg(), seq: seq++, type: 'arrive', send: decision.send });
    }
  };

  pump(start);
  for (let event = events.pop(); event !== undefined; event = events.pop()) {
    const now = event.time;
    if (now >= changeAt && inFlightAtChange < 0) inFlightAtChange = inFlight;
    if (event.type === 'wake') {
      if (now >= wakeAt) wakeAt = Infinity;
      pump(now);
    } else if (event.type === 'arrive') {
      const verdict = server.handle(now);
      const receivedAt = now + leg();
      const parsed = report(scenario.dialect, verdict, scenario.windowMs, now, receivedAt);
      if (now < end) {
        if (verdict.accepted) {
          accepted++;
          if (now >= followFrom) acceptedAfterChange++;
        } else {
          rejected++;
          if (event.send.sentAt > firstResponseAt) rejectedAfterFirst++;
        }
      }
      const status = verdict.accepted ? 200 : 429;
      if (process.env['SIMTRACE'] !== undefined) console.log(`${(now - start).toFixed(1)} arrive #${event.send.id} sent ${(event.send.sentAt - start).toFixed(1)} ${status} rem ${verdict.remaining} reset ${(verdict.resetAt - start).toFixed(0)} inflight ${inFlight}`);
      events.push({ time: receivedAt, seq: seq++, type: 'respond', send: event.send, arrivalAt: now, accepted: verdict.accepted, parsed, status });
    } else {
      inFlight--;
      firstResponseAt = Math.min(firstResponseAt, now);
      model.observe(event.send, { now, status: event.status, parsed: event.parsed });
      if (process.env['SIMTRACE'] === '2') console.log(`${(now - start).toFixed(1)} #${event.send.id} W<=${model.snapshot(now).windowMs?.toFixed(0)} rem ${model.snapshot(now).remaining}`);
      pump(now);
    }
  }
  const perWindow = (limit: number, span: number): number => (limit * span) / scenario.windowMs;
  const change = scenario.limitChange;
  const allowed =
    change === undefined
      ? perWindow(scenario.limit, scenario.durationMs)
      : perWindow(scenario.limit, change.at) + perWindow(change.to, scenario.durationMs - change.at);
  const allowedAfterChange = change === undefined ? 0 : perWindow(change.to, Math.max(0, end - followFrom));
  return {
    accepted,
    rejected,
    allowed,
    utilization: accepted / allowed,
    rejectedAfterFirst,
    inFlightAtChange: Math.max(0, inFlightAtChange),
    acceptedAfterChange,
    allowedAfterChange,
    peakInFlight,
    takeCalls,
  };
}
