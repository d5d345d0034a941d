import { Fifo } from './fifo.ts';

/** What every queued entry carries for the queue's ordering. */
export interface Queued {
  readonly priority: number;
  /** Set once the entry left the queue some other way (aborted, timed out): skipped lazily. */
  settled: boolean;
}

/**
 * Waiters of one bucket: higher `priority` first, first-in-first-out within a priority.
 * Entries removed out of order (aborts, timeouts) are only marked and skipped when they reach
 * the head, so removal is O(1).
 */
export class WaitQueue<T extends Queued> {
  readonly #lanes = new Map<number, Fifo<T>>();
  /** Priorities present, highest first. Few distinct values in practice. */
  #order: number[] = [];
  #live = 0;

  /** Waiters still waiting. */
  get size(): number {
    return this.#live;
  }

  push(entry: T): void {
    let lane = this.#lanes.get(entry.priority);
    if (lane === undefined) {
      lane = new Fifo<T>();
      this.#lanes.set(entry.priority, lane);
      this.#order.push(entry.priority);
      this.#order.sort((a, b) => b - a);
    }
    lane.push(entry);
    this.#live++;
  }

  /** The next waiter to serve, without removing it. */
  peek(): T | undefined {
    for (const priority of this.#order) {
      const lane = this.#lanes.get(priority);
      if (lane === undefined) continue;
      let head = lane.peek();
      while (head !== undefined && head.settled) {
        lane.shift();
        head = lane.peek();
      }
      if (head !== undefined) return head;
    }
    return undefined;
  }

  /** Remove the head returned by {@link peek}. */
  shift(): T | undefined {
    const head = this.peek();
    if (head === undefined) return undefined;
    this.#lanes.get(head.priority)?.shift();
    this.#live--;
    return head;
  }

  /** Account for an entry that left out of order (its `settled` flag is already set). */
  forget(): void {
    this.#live--;
  }

  /** Remove and return every waiter still waiting. */
  drain(): T[] {
    const all: T[] = [];
    for (const lane of this.#lanes.values()) {
      for (const entry of lane) if (!entry.settled) all.push(entry);
      lane.clear();
    }
    this.#lanes.clear();
    this.#order = [];
    this.#live = 0;
    return all;
  }
}
