import type { ModelSnapshot, ObserveResult, Observation } from '../../bucket/types.ts';
import { MemoryQuotaStore } from '../memory-quota-store.ts';
import type { Grant, QuotaStore, TakeRequest, TakeResult } from '../quota-store.ts';

/**
 * The broadcast store's fallback where Web Locks are missing (an insecure `http:` context, old
 * browsers, happy-dom): the buckets stay in this tab's memory and this tab spends at most
 * `share` of each learned limit per window. A message-only election is never used instead: under
 * throttling it elects two leaders, and two leaders overspend the quota.
 */
export class LocalShareStore implements QuotaStore {
  readonly kind = 'broadcast-local';
  readonly #memory = new MemoryQuotaStore();
  readonly #share: number;
  /** This tab's send times per bucket, for the share cap. */
  readonly #sent = new Map<string, number[]>();

  constructor(share: number) {
    this.#share = share;
  }

  take(request: TakeRequest): TakeResult {
    const model = this.#memory.snapshot(request.now).get(request.bucket);
    if (this.#share < 1 && model?.limit !== undefined && model.windowMs !== undefined) {
      const cap = Math.max(1, Math.floor(model.limit * this.#share));
      const times = this.#sent.get(request.bucket) ?? [];
      const since = request.now - model.windowMs;
      while (times.length > 0 && (times[0] ?? Infinity) <= since) times.shift();
      const oldest = times[0];
      if (times.length >= cap && oldest !== undefined) return { ok: false, retryAt: oldest + model.windowMs + 1, reason: 'quota' };
    }
    const decision = this.#memory.take(request);
    if (decision.ok && this.#share < 1) {
      const times = this.#sent.get(request.bucket) ?? [];
      times.push(request.now);
      this.#sent.set(request.bucket, times);
    }
    return decision;
  }

  report(grant: Grant, observation: Observation): ObserveResult {
    return this.#memory.report(grant, observation);
  }

  subscribe(listener: (bucket: string) => void): () => void {
    return this.#memory.subscribe(listener);
  }

  snapshot(now: number): ReadonlyMap<string, ModelSnapshot> {
    return this.#memory.snapshot(now);
  }

  async close(): Promise<void> {
    this.#sent.clear();
    await this.#memory.close();
  }
}
