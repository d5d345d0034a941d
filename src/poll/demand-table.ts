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
  /** The tab's view of each bucket's allowed rate, requests per second. */
  readonly allowed: Readonly<Record<string, number>>;
  readonly hidden: boolean;
  readonly expiresAt: number;
}

/**
 * The polling demand of every tab of the quota, as the tabs announce it. Pure: time comes in as
 * `now`. A tab that stops announcing (closed, frozen, throttled beyond its own stated TTL) drops
 * out when its entry expires, so it never holds the others' intervals stretched.
 */
export class DemandTable {
  readonly #tabs = new Map<string, TabDemand>();

  /** A tab's whole demand (and its view of the allowed rates), valid until `now + ttlMs`. */
  set(tab: string, entries: readonly DemandEntry[], now: number, ttlMs: number, allowed: Readonly<Record<string, number>> = {}, hidden = false): void {
    this.#tabs.set(tab, { entries, allowed, hidden, expiresAt: now + ttlMs });
  }

  /**
   * The tab that fetches a feed for all tabs: among the visible tabs polling it (all tabs polling
   * it when none is visible), the one that wants it most often, the lowest tab id on a tie;
   * `undefined` when no live tab polls it. Its own pollers' cadence is then the shortest any tab
   * wants, and every tab computes the same owner from the same announcements.
   */
  owner(key: string, now: number): string | undefined {
    this.#expire(now);
    let visible: { tab: string; every: number } | undefined;
    let any: { tab: string; every: number } | undefined;
    const better = (candidate: { tab: string; every: number }, best: { tab: string; every: number } | undefined): boolean =>
      best === undefined || candidate.every < best.every || (candidate.every === best.every && candidate.tab < best.tab);
    for (const [tab, demand] of this.#tabs) {
      const entry = demand.entries.find((item) => item.key === key);
      if (entry === undefined) continue;
      const candidate = { tab, every: entry.everyMs };
      if (better(candidate, any)) any = candidate;
      if (!demand.hidden && better(candidate, visible)) visible = candidate;
    }
    return (visible ?? any)?.tab;
  }

  /**
   * The allowed rate of a bucket all tabs go by: the highest any live tab reports (each reports
   * the best it learned recently, see `RateMemory`). Tabs learn the limit at different moments;
   * one shared figure keeps every tab's stretch the same, and the quota's gate, not the stretch,
   * keeps the requests under the limit.
   */
  allowed(bucket: string, now: number): number | undefined {
    this.#expire(now);
    let highest: number | undefined;
    for (const demand of this.#tabs.values()) {
      const rate = demand.allowed[bucket];
      if (typeof rate === 'number' && rate > 0 && Number.isFinite(rate) && (highest === undefined || rate > highest)) highest = rate;
    }
    return highest;
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
