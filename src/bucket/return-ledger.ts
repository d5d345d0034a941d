/** One answered send's units and the instant they are surely back. */
interface Return {
  readonly id: number;
  /** Latest instant the units are back. */
  readonly backBy: number;
  readonly amount: number;
}

/** Entries scanned per question at most: an answer cut short only gives less credit (safe). */
const MAX_SCAN = 512;
/** Entries kept at most (the earliest go first: forgetting a return only gives less credit). */
const MAX_ENTRIES = 4096;

/**
 * When each answered send's units surely came back, by its own response's time to full (refill
 * semantics: OpenAI, Anthropic). "Full again at T" means every unit the server held then, this
 * send's included, is back by T: a sliding log frees the send's slot at its arrival plus the
 * window (T is the newest arrival plus the window), a fixed window at its edge (T), and a bucket's
 * times to full step by one unit's refill per send, so the units they return never outrun the
 * refill. Crediting each send at its own T follows a sliding log slot by slot, where the learned
 * refill time alone waits for the whole log to empty (80 % of the limit on the reference server).
 *
 * Entries are kept sorted by `backBy`; those at or before the sync point's answer are dropped
 * (a send back by then was not held by the sync's view, so it is never credit).
 */
export class ReturnLedger {
  #entries: Return[] = [];

  /** Records that send `id`'s `amount` units are back by `backBy` (epoch ms, latest instant). */
  record(id: number, backBy: number, amount: number): void {
    if (!(amount > 0) || !Number.isFinite(backBy)) return;
    const entries = this.#entries;
    let index = entries.length;
    // Answers come mostly in order: walk back from the end.
    while (index > 0 && (entries[index - 1]?.backBy ?? -Infinity) > backBy) index--;
    entries.splice(index, 0, { id, backBy, amount });
    if (entries.length > MAX_ENTRIES) entries.shift();
  }

  /**
   * Units of sends with ids in [`fromId`, `throughId`] (those the sync point's view may hold)
   * that it surely held at its answer (`heldAfter`) and that are surely back by `now`.
   *
   * A window holds a send whole until it is back; a bucket hands a send's units back one by one,
   * so part of a large send may already have been back when the sync point was answered (and is
   * in its remaining). Units still out then are at least the refill time left until the send's own
   * "full again" at the fastest refill `maxRate` (units per ms): only those are credit.
   */
  returned(now: number, heldAfter: number, fromId: number, throughId: number, maxRate: number): number {
    let total = 0;
    let scanned = 0;
    for (const entry of this.#entries) {
      if (entry.backBy > now || ++scanned > MAX_SCAN) break;
      if (entry.id >= fromId && entry.id <= throughId) total += heldShare(entry, heldAfter, maxRate);
    }
    return total;
  }

  /**
   * When `missing` more units (as `returned` counts them) of sends with ids in [`fromId`,
   * `throughId`] will be back, counting only those still out at `now`; undefined when the
   * recorded sends cannot cover it.
   */
  backAt(now: number, heldAfter: number, fromId: number, throughId: number, maxRate: number, missing: number): number | undefined {
    if (missing <= 0) return now;
    let total = 0;
    let scanned = 0;
    for (const entry of this.#entries) {
      if (entry.backBy <= now || entry.id < fromId || entry.id > throughId) continue;
      if (++scanned > MAX_SCAN) return undefined;
      total += heldShare(entry, heldAfter, maxRate);
      if (total >= missing) return entry.backBy;
    }
    return undefined;
  }

  /** Forgets sends back by `time` (the sync point's answer: they can never be credit again). */
  dropBackBy(time: number): void {
    let count = 0;
    while (count < this.#entries.length && (this.#entries[count]?.backBy ?? Infinity) <= time) count++;
    if (count > 0) this.#entries.splice(0, count);
  }
}

/** The units of `entry` surely still out at `heldAfter` (all of them for a window, a bucket's refill time left for a bucket). */
function heldShare(entry: Return, heldAfter: number, maxRate: number): number {
  if (entry.backBy <= heldAfter) return 0;
  return Math.min(entry.amount, (entry.backBy - heldAfter) * maxRate);
}
