import { QuotaModel } from '../bucket/quota-model.ts';
import type { ModelSnapshot, ObserveResult, Observation } from '../bucket/types.ts';
import type { Grant, QuotaStore, TakeRequest, TakeResult } from './quota-store.ts';

/**
 * The buckets of one process (or one browser tab) in memory: the Node default.
 *
 * @example
 * ```ts
 * const api = createClient({ baseUrl, quota: { store: new MemoryQuotaStore() } });
 * ```
 */
export class MemoryQuotaStore implements QuotaStore {
  readonly kind = 'memory';
  readonly #models = new Map<string, QuotaModel>();
  readonly #listeners = new Set<(bucket: string) => void>();

  take(request: TakeRequest): TakeResult {
    let model = this.#models.get(request.bucket);
    if (model === undefined) {
      model = new QuotaModel(request.defaults);
      this.#models.set(request.bucket, model);
    }
    return model.take(request.now, request.cost);
  }

  report(grant: Grant, observation: Observation): ObserveResult {
    const model = this.#models.get(grant.bucket);
    if (model === undefined) return {};
    const result = model.observe(grant.send, observation);
    for (const listener of this.#listeners) listener(grant.bucket);
    return result;
  }

  subscribe(listener: (bucket: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(now: number): ReadonlyMap<string, ModelSnapshot> {
    const result = new Map<string, ModelSnapshot>();
    for (const [key, model] of this.#models) result.set(key, model.snapshot(now));
    return result;
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
