import { intersect, UNKNOWN_INTERVAL, type Interval } from './interval.ts';
import type { RttTracker } from './rtt.ts';
import type { SendLog } from './send-log.ts';

/** One response's view of a policy whose window the server did not state. */
export interface InferenceObservation {
  readonly sendId: number;
  readonly sentAt: number;
  /** How late after `sentAt` (relative to the fastest path) the request may have reached the server. */
  readonly spread: number;
  readonly receivedAt: number;
  readonly limit: number;
  readonly remaining: number;
  /** Latest instant the reported reset may be. */
  readonly resetAt: number | undefined;
  readonly precisionMs: number;
}

/** The three kinds of server a whole-second X-RateLimit reset may come from. */
export type ServerKind = 'fixed' | 'sliding' | 'bucket';

const KINDS: readonly ServerKind[] = ['fixed', 'sliding', 'bucket'];
/** Past observations kept for pairwise evidence. */
const HISTORY = 24;
/** Contradicting observations set aside in a row before the inference starts over. */
const MAX_SKIPPED_CONTRADICTIONS = 3;
/** A fixed window's edge located within this many ms is worth extrapolating. */
const MAX_EDGE_WIDTH_MS = 250;
/** Units a fractional bucket's whole-number remaining may be off by. */
const FRACTION = 1;

/**
 * Infers an unstated window (pacing.md "The hard case"): three hypotheses (fixed window,
 * sliding log, token bucket), each with the range of windows every observation so far allows.
 * A hypothesis whose range empties is dropped; the model paces with the largest upper bound
 * among the survivors, so it is never below the true window. Only observations surely in
 * order at the server are compared. Never assumes a window: until a bound exists, `range.high`
 * is Infinity and the model spends only confirmed room and probes.
 */
export class WindowInference {
  #ranges = new Map<ServerKind, Interval>(KINDS.map((kind) => [kind, UNKNOWN_INTERVAL]));
  #history: InferenceObservation[] = [];
  /** The latest fixed-window edge seen, `low < edge <= high`, when it was narrow enough to use. */
  #edge: Interval | undefined;
  /** Observations set aside in a row because no hypothesis survived them. */
  #contradictions = 0;

  observe(observation: InferenceObservation, log: SendLog, rtt: RttTracker): void {
    const before = new Map(this.#ranges);
    const edgeBefore = this.#edge;
    this.#single(observation, log, rtt);
    for (const earlier of this.#history) {
      // Only pairs surely in order at the server: the earlier one arrived before the later one was sent.
      if (earlier.sendId < observation.sendId && earlier.sentAt + earlier.spread <= observation.sentAt) {
        this.#pair(earlier, observation, log, rtt);
      }
    }
    if (this.#ranges.size === 0 && this.#contradictions < MAX_SKIPPED_CONTRADICTIONS) {
      // No kind of server explains this observation with the earlier ones: its arrival was
      // misjudged (a busy server or event loop reorders requests beyond their round trips), or
      // the server changed. Set it aside; when contradictions persist, start over.
      this.#contradictions++;
      this.#ranges = before;
      this.#edge = edgeBefore;
      return;
    }
    if (this.#ranges.size > 0) this.#contradictions = 0;
    this.#history.push(observation);
    if (this.#history.length > HISTORY) this.#history.shift();
    if (this.#ranges.size === 0) this.reset();
  }

  /** The window range to pace with: the widest upper bound among the surviving hypotheses. */
  get range(): Interval {
    let low = Infinity;
    let high = 0;
    for (const [kind, range] of this.#ranges) {
      // The low bound decides which sends the server surely still counts (the mirror's credit);
      // a bucket counts no sends, its credit is capped by its refill rate instead.
      if (kind !== 'bucket' || this.#ranges.size === 1) low = Math.min(low, range.low);
      high = Math.max(high, range.high);
    }
    if (this.#ranges.size === 0) return UNKNOWN_INTERVAL;
    return { low, high };
  }

  /** True while the kind or the window is still open: sends are spread to create evidence. */
  get settled(): boolean {
    if (this.#ranges.size !== 1) return false;
    const range = this.range;
    return Number.isFinite(range.high) && range.high <= range.low * 1.1;
  }

  /** The hypotheses still alive. */
  get kinds(): ServerKind[] {
    return [...this.#ranges.keys()];
  }

  get onlyFixed(): boolean {
    return this.#ranges.size === 1 && this.#ranges.has('fixed');
  }

  get onlyBucket(): boolean {
    return this.#ranges.size === 1 && this.#ranges.has('bucket');
  }

  get excludesBucket(): boolean {
    return this.#ranges.size > 0 && !this.#ranges.has('bucket');
  }

  reset(): void {
    this.#ranges = new Map<ServerKind, Interval>(KINDS.map((kind) => [kind, UNKNOWN_INTERVAL]));
    this.#history = [];
    this.#edge = undefined;
    this.#contradictions = 0;
  }

  /**
   * The latest instant the first fixed-window edge after `time` can be, once only the fixed
   * hypothesis is left and an edge was seen: edges repeat every window, so a whole-second reset
   * (up to a second late) is not the best bound. Undefined otherwise.
   */
  latestEdgeAfter(time: number): number | undefined {
    const fixed = this.#ranges.get('fixed');
    const edge = this.#edge;
    if (this.#ranges.size !== 1 || fixed === undefined || edge === undefined) return undefined;
    if (!Number.isFinite(fixed.high) || !(fixed.low > 0)) return undefined;
    // The true edge e + k*W with k minimal past `time` has k <= this k for every e and W allowed.
    const k = Math.max(0, Math.floor((time - edge.low) / fixed.low) + 1);
    return edge.high + k * fixed.high;
  }

  #narrow(kind: ServerKind, low: number, high: number): void {
    const range = this.#ranges.get(kind);
    if (range === undefined) return;
    const next = intersect(range, { low: Math.max(0, low), high });
    if (next === undefined) this.#ranges.delete(kind);
    else this.#ranges.set(kind, next);
  }

  /**
   * The first id of the `count` most recent accepted units among ids <= `lastId` (a refused
   * send was not counted by the server), or undefined when the log does not reach back so far.
   * `sure` leaves out attempts that ended without a response too: they may never have arrived.
   */
  #recentStart(log: SendLog, lastId: number, count: number, unit: string, sure: boolean): number | undefined {
    if (count <= 0 || lastId < log.firstId) return undefined;
    let target = count;
    for (let attempt = 0; attempt < 4; attempt++) {
      const threshold = log.totalThrough(lastId, unit) - target;
      if (threshold < log.totalThrough(log.firstId - 1, unit) - 1e-9) return undefined;
      const start = log.firstIdReaching(log.firstId, threshold + 1e-9, unit);
      if (start === undefined || start > lastId) return undefined;
      const next = count + log.rejectedInRange(start, lastId, unit) + (sure ? log.failedInRange(start, lastId, unit) : 0);
      if (next === target) return start;
      target = next;
    }
    return undefined;
  }

  #single(observation: InferenceObservation, log: SendLog, rtt: RttTracker): void {
    const unit = 'requests';
    const { sendId, sentAt, limit, remaining, resetAt, precisionMs } = observation;
    const held = limit - remaining;
    if (held <= 0) return;
    const exact = remaining > 0;
    const spread = rtt.spread;
    const roundTrip = rtt.min + spread;
    // Sends surely at the server before this one (it counts itself), and possibly.
    const lastSure = log.firstIdSentAfter(sentAt - spread) - 1;
    const lastPossible = log.firstIdSentAfter(sentAt + observation.spread) - 1;
    // Sliding log: the server holds the `held` most recent arrivals. The (held+1)-th most recent
    // sure arrival has left the window; the held-th most recent possible one has not.
    const outId = exact ? this.#recentStart(log, lastSure, held, unit, true) : undefined;
    const out = outId === undefined || !answeredBy(log, outId, lastSure, sentAt) ? undefined : log.get(outId);
    if (out !== undefined) this.#narrow('sliding', 0, sentAt + observation.spread - out.sentAt);
    const insideId = this.#recentStart(log, lastPossible, held, unit, false);
    const inside = insideId === undefined ? undefined : log.get(insideId);
    if (inside !== undefined) this.#narrow('sliding', sentAt - inside.sentAt - spread, Infinity);
    if (resetAt === undefined) return;
    const earliestReset = resetAt - precisionMs - roundTrip;
    // Sliding: the reset is when the oldest held unit leaves; it arrived no earlier than the
    // held-th most recent sure arrival (this one included), no later than the held-th possible.
    const oldestSureId = held === 1 ? sendId : exact ? this.#recentStart(log, lastSure, held - 1, unit, true) : undefined;
    const oldestSure = oldestSureId === undefined ? undefined : log.get(oldestSureId);
    if (oldestSure !== undefined) this.#narrow('sliding', 0, resetAt - oldestSure.sentAt);
    if (inside !== undefined) {
      this.#narrow('sliding', earliestReset - inside.sentAt - roundTrip, Infinity);
      // Fixed: the reset is the window's end; the window began no later than the held-th most recent arrival.
      this.#narrow('fixed', earliestReset - inside.sentAt - roundTrip, Infinity);
    }
    // Bucket: full after deficit / rate, the deficit within a unit of `held`.
    const highBucket = held > FRACTION ? ((resetAt - sentAt) * limit) / (held - FRACTION) : Infinity;
    const lowBucket = ((earliestReset - sentAt - roundTrip) * limit) / (held + FRACTION);
    this.#narrow('bucket', lowBucket, highBucket);
  }

  #pair(first: InferenceObservation, second: InferenceObservation, log: SendLog, rtt: RttTracker): void {
    const unit = 'requests';
    if (first.limit !== second.limit || second.remaining <= 0) return;
    const limit = second.limit;
    const heldBefore = limit - first.remaining;
    const heldAfter = limit - second.remaining;
    const spread = rtt.spread;
    // Our sends that surely arrived between the two, and that possibly did.
    const sureFrom = log.firstIdSentAfter(first.sentAt + first.spread);
    const sureTo = log.firstIdSentAfter(second.sentAt - spread) - 1;
    const sure =
      log.sumRange(sureFrom, sureTo, unit) - log.rejectedInRange(sureFrom, sureTo, unit) - log.failedInRange(sureFrom, sureTo, unit) + (log.get(second.sendId)?.cost[unit] ?? 0);
    const possibleFrom = log.firstIdSentAfter(first.sentAt - spread);
    const possibleTo = log.firstIdSentAfter(second.sentAt + second.spread) - 1;
    const possible = log.sumRange(possibleFrom, possibleTo, unit) - log.rejectedInRange(possibleFrom, possibleTo, unit);
    const freed = heldBefore + sure - heldAfter;
    const longest = second.sentAt + second.spread - first.sentAt;
    const shortest = second.sentAt - first.sentAt - first.spread;
    if (heldAfter > possible + FRACTION && shortest > 0) {
      // More held than we could have sent since: the bucket was never full in between, so it
      // refilled exactly what was freed, and at most this much in at least `shortest` ms.
      const refillMax = heldBefore + FRACTION + possible - heldAfter + FRACTION * 2;
      if (refillMax <= 0) this.#ranges.delete('bucket');
      else this.#narrow('bucket', (limit * shortest) / refillMax, Infinity);
    }
    if (heldAfter > possible + FRACTION && first.receivedAt < second.sentAt) {
      // Still holding units sent before the first arrival: no fixed window's edge passed between
      // the two arrivals, so the window is longer than the time between them.
      this.#narrow('fixed', second.sentAt - first.receivedAt, Infinity);
    }
    if (freed > FRACTION * 2) {
      // Bucket: it refilled at least `freed - 2` units in at most `longest` ms.
      this.#narrow('bucket', 0, (limit * longest) / (freed - FRACTION * 2));
    }
    if (freed > 0) {
      if (heldAfter > possible) {
        // Some units came back while more are held than we sent since: no fixed window does that.
        this.#ranges.delete('fixed');
      } else if (second.resetAt !== undefined) {
        // A fixed window's edge passed between the two arrivals; the reported reset is the next edge.
        if (second.receivedAt - first.sentAt <= MAX_EDGE_WIDTH_MS) this.#edge = { low: first.sentAt, high: second.receivedAt };
        const roundTrip = rtt.min + spread;
        const earliestReset = second.resetAt - second.precisionMs - roundTrip;
        this.#narrow('fixed', earliestReset - (second.sentAt + roundTrip), second.resetAt - first.sentAt);
      }
    }
  }
}

/** Sends scanned at most by `answeredBy` (a longer run gives no bound: safe). */
const MAX_ANSWERED_SCAN = 1024;

/**
 * True when every send `fromId..toId` was answered by `time`, so surely reached the server before
 * anything sent at `time`. A burst admitted at once leaves the client over tens of ms on a busy
 * event loop, later than its send time says: a send still in flight may not have arrived at all,
 * and taking it for a sure arrival bounded a 1 s sliding log at 557 ms (a 429 under load).
 */
function answeredBy(log: SendLog, fromId: number, toId: number, time: number): boolean {
  if (toId - fromId > MAX_ANSWERED_SCAN) return false;
  for (const send of log.range(fromId, toId)) {
    if (send.rtt === undefined || send.sentAt + send.rtt > time) return false;
  }
  return true;
}
