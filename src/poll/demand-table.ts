/** One feed a tab polls: which URL (by key), which bucket it spends, and the interval it wants. */
export interface DemandEntry {
  /** The feed's key (URL and the request headers that vary the response, hashed). */
  readonly key: string;
  /** The bucket its requests spend, when known. */
  readonly bucket: string | undefined;
  /** The shortest interval its pollers want (a hidden tab's already slowed), ms. */
  readonly everyMs: number;
}

interface TabDemand {
  readonly entries: readonly DemandEntry[];
  readonly expiresAt: number;
}

/**
 * The polling demand of every tab of the quota, as the tabs announce it. Pure: time comes in as
 * `now`. A tab that stops announcing (closed, frozen, throttled beyond its own stated TTL) drops
 * out when its entry expires, so it never holds the others' intervals stretched.
 */
export class DemandTable {
  readonly #tabs = new Map<string, TabDemand>();

  /** A tab's whole demand, valid until `now + ttlMs`. */
  set(tab: string, entries: readonly DemandEntry[], now: number, ttlMs: number): void {
    this.#tabs.set(tab, { entries, expiresAt: now + ttlMs });
  }

  /** A tab left. */
  remove(tab: string): void {
    this.#tabs.delete(tab);
  }

  /** Tabs with live demand. */
  tabs(now: number): number {
    this.#expire(now);
    return this.#tabs.size;
  }

  /**
   * Requests per second wanted from `bucket` by all tabs: each feed key counts once, at the
   * shortest interval any tab wants it (the tabs share one fetch of it). Entries whose bucket is
   * unknown count towards `fallbackBucket`.
   */
  wanted(bucket: string, now: number, fallbackBucket?: string): number {
    this.#expire(now);
    const shortest = new Map<string, number>();
    for (const demand of this.#tabs.values()) {
      for (const entry of demand.entries) {
        if ((entry.bucket ?? fallbackBucket) !== bucket || !(entry.everyMs > 0) || !Number.isFinite(entry.everyMs)) continue;
        const known = shortest.get(entry.key);
        if (known === undefined || entry.everyMs < known) shortest.set(entry.key, entry.everyMs);
      }
    }
    let sum = 0;
    for (const every of shortest.values()) sum += 1000 / every;
    return sum;
  }

  /** Every bucket named by a live entry (unknown buckets as `fallbackBucket`). */
  buckets(now: number, fallbackBucket?: string): Set<string> {
    this.#expire(now);
    const found = new Set<string>();
    for (const demand of this.#tabs.values()) for (const entry of demand.entries) {
      const bucket = entry.bucket ?? fallbackBucket;
      if (bucket !== undefined) found.add(bucket);
    }
    return found;
  }

  #expire(now: number): void {
    for (const [tab, demand] of this.#tabs) if (demand.expiresAt <= now) this.#tabs.delete(tab);
  }
}
