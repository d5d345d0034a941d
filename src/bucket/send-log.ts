import type { Units } from './types.ts';

/** One admitted send as the model remembers it. */
export interface LoggedSend {
  readonly id: number;
  readonly sentAt: number;
  readonly cost: Units;
  /** Running total of every unit through this send (send order), so range sums are O(1). */
  readonly cumulative: Readonly<Record<string, number>>;
  /** Round trip once the response arrived; undefined while in flight or when the attempt failed. */
  rtt: number | undefined;
  /** HTTP status; undefined while in flight or for a failed attempt. */
  status: number | undefined;
  /** False until the response (or the failure) was observed. */
  settled: boolean;
}

/**
 * The model's log of admitted sends, in send order (ids are consecutive), with running unit
 * totals so any id range's cost is a subtraction and any time is a binary search away.
 * Old entries are dropped from the front; their totals survive in `#droppedTotals`.
 */
export class SendLog {
  #entries: LoggedSend[] = [];
  /** Index of the first live entry in `#entries` (dropping moves it; compaction is amortised). */
  #head = 0;
  #nextId = 1;
  /** Running totals through the last dropped send. */
  #droppedTotals: Readonly<Record<string, number>> = {};
  #inFlight = new Map<number, LoggedSend>();
  /** Sends the server refused (429): it did not count them, so they must not become credit. Few. */
  #rejected: LoggedSend[] = [];
  /** Attempts that ended without a response (aborted, network error): they may or may not have reached the server. Few. */
  #failed: LoggedSend[] = [];

  /** Records a send admitted at `now`. */
  append(now: number, cost: Units): LoggedSend {
    const previous = this.#entries.at(-1)?.cumulative ?? this.#droppedTotals;
    const cumulative: Record<string, number> = { ...previous };
    for (const [unit, amount] of Object.entries(cost)) {
      cumulative[unit] = (cumulative[unit] ?? 0) + amount;
    }
    const entry: LoggedSend = {
      id: this.#nextId++,
      sentAt: now,
      cost,
      cumulative,
      rtt: undefined,
      status: undefined,
      settled: false,
    };
    if (this.#entries.length > this.#head && (this.#entries.at(-1)?.sentAt ?? now) > now) {
      // A clock that went backwards would break the binary searches: treat it as the same instant.
      (entry as { sentAt: number }).sentAt = this.#entries.at(-1)?.sentAt ?? now;
    }
    this.#entries.push(entry);
    this.#inFlight.set(entry.id, entry);
    return entry;
  }

  /** Marks a send as answered (or failed) and returns it, or undefined when unknown or already settled. */
  settle(id: number, now: number, status: number | undefined): LoggedSend | undefined {
    const entry = this.#inFlight.get(id);
    if (entry === undefined) return undefined;
    this.#inFlight.delete(id);
    entry.settled = true;
    entry.status = status;
    entry.rtt = status === undefined ? undefined : Math.max(0, now - entry.sentAt);
    if (status === 429) this.#rejected.push(entry);
    if (status === undefined) this.#failed.push(entry);
    return entry;
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /** The sends still waiting for a response (small: a paced client has few). */
  inFlight(): IterableIterator<LoggedSend> {
    return this.#inFlight.values();
  }

  /** Id of the last send ever admitted (0 before the first). */
  get lastId(): number {
    return this.#nextId - 1;
  }

  /** Id of the oldest send still in the log. */
  get firstId(): number {
    return this.#nextId - (this.#entries.length - this.#head);
  }

  get(id: number): LoggedSend | undefined {
    const index = id - this.firstId + this.#head;
    if (index < this.#head) return this.#inFlight.get(id);
    return this.#entries[index];
  }

  /** Units of `unit` spent by sends with id <= `id` (0 for none). */
  totalThrough(id: number, unit: string): number {
    if (id < this.firstId) return this.#droppedTotals[unit] ?? 0;
    const entry = this.get(Math.min(id, this.lastId));
    return entry?.cumulative[unit] ?? 0;
  }

  /** Units of `unit` spent by sends with `fromId <= id <= toId`. */
  sumRange(fromId: number, toId: number, unit: string): number {
    if (toId < fromId) return 0;
    return this.totalThrough(toId, unit) - this.totalThrough(fromId - 1, unit);
  }

  /** First id whose send time is > `time` (lastId + 1 when none). */
  firstIdSentAfter(time: number): number {
    let low = this.#head;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((this.#entries[middle]?.sentAt ?? Infinity) > time) high = middle;
      else low = middle + 1;
    }
    return this.firstId + (low - this.#head);
  }

  /**
   * Forgets sends older than `before` while keeping at least the last `keep` sends: the model
   * never needs sends older than its largest plausible window, and memory must stay bounded.
   * In-flight sends stay reachable through the in-flight map.
   */
  dropOlderThan(before: number, keep: number, hardCap: number): void {
    const live = this.#entries.length - this.#head;
    let drop = 0;
    const maxByTime = Math.max(0, live - keep);
    while (drop < maxByTime && (this.#entries[this.#head + drop]?.sentAt ?? Infinity) < before) drop++;
    drop = Math.max(drop, live - hardCap);
    if (drop <= 0) return;
    const lastDropped = this.#entries[this.#head + drop - 1];
    if (lastDropped !== undefined) this.#droppedTotals = lastDropped.cumulative;
    const firstKept = lastDropped === undefined ? 0 : lastDropped.id + 1;
    if (this.#rejected.length > 0) this.#rejected = this.#rejected.filter((entry) => entry.id >= firstKept);
    if (this.#failed.length > 0) this.#failed = this.#failed.filter((entry) => entry.id >= firstKept);
    this.#head += drop;
    // Compact only when the dead prefix dominates, so each entry is copied O(1) times overall.
    if (this.#head > 1024 && this.#head * 2 > this.#entries.length) {
      this.#entries = this.#entries.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * Extends a run of sends that surely left the server's window (ids through `lastId`) over the
   * sends right after it that were answered by `time`: a request reached the server before its
   * response came back, so its answer time bounds its arrival whatever the two legs took.
   * Stops at the first send still in flight or failed without an answer (its arrival is unknown).
   */
  lastAnsweredBy(lastId: number, time: number): number {
    let id = lastId;
    for (;;) {
      const next = this.get(id + 1);
      if (next === undefined || next.rtt === undefined || next.sentAt + next.rtt > time) return id;
      id++;
    }
  }

  /** Units of `unit` spent by refused (429) sends with ids in [fromId, toId]. */
  rejectedInRange(fromId: number, toId: number, unit: string): number {
    return sumInRange(this.#rejected, fromId, toId, unit);
  }

  /** Units of `unit` spent by attempts with ids in [fromId, toId] that ended without a response. */
  failedInRange(fromId: number, toId: number, unit: string): number {
    return sumInRange(this.#failed, fromId, toId, unit);
  }

  /** The first id >= `fromId` whose running total of `unit` reaches `target`, or undefined. */
  firstIdReaching(fromId: number, target: number, unit: string): number | undefined {
    let low = Math.max(fromId, this.firstId);
    let high = this.lastId + 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (this.totalThrough(middle, unit) >= target) high = middle;
      else low = middle + 1;
    }
    return low <= this.lastId ? low : undefined;
  }

  /** The live sends with ids in [fromId, toId], oldest first (for rare scans: 429 accounting, inference). */
  *range(fromId: number, toId: number): IterableIterator<LoggedSend> {
    const start = Math.max(fromId, this.firstId);
    const end = Math.min(toId, this.lastId);
    for (let id = start; id <= end; id++) {
      const entry = this.get(id);
      if (entry !== undefined) yield entry;
    }
  }
}

function sumInRange(entries: readonly LoggedSend[], fromId: number, toId: number, unit: string): number {
  let total = 0;
  for (const entry of entries) {
    if (entry.id >= fromId && entry.id <= toId) total += entry.cost[unit] ?? 0;
  }
  return total;
}
