import type { ModelSnapshot, ObserveResult, Observation, TakeDecision } from '../../src/bucket/types.ts';
import type { Grant, QuotaStore, TakeRequest } from '../../src/store/quota-store.ts';

/**
 * A store for scheduler tests: a simple token counter per bucket with a refill time, whose
 * decisions the test controls (`tokens`, `nextAt`), and which records every call.
 */
export class ScriptedStore implements QuotaStore {
  readonly kind = 'scripted';
  tokens = 0;
  /** When refused, the time the store names (undefined: wait for an event). */
  nextAt: number | undefined = undefined;
  /** Make `take` asynchronous, like a store behind a channel or a network. */
  async = false;
  readonly takes: TakeRequest[] = [];
  readonly reports: { grant: Grant; observation: Observation }[] = [];
  #nextId = 1;
  readonly #listeners = new Set<(bucket: string) => void>();

  take(request: TakeRequest): TakeDecision | Promise<TakeDecision> {
    this.takes.push(request);
    const decision = this.#decide(request);
    return this.async ? Promise.resolve().then(() => decision) : decision;
  }

  #decide(request: TakeRequest): TakeDecision {
    const cost = request.cost.requests ?? 1;
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return { ok: true, send: { id: this.#nextId++, sentAt: request.now, cost: request.cost } };
    }
    return { ok: false, retryAt: this.nextAt, reason: this.nextAt === undefined ? 'response' : 'quota' };
  }

  report(grant: Grant, observation: Observation): ObserveResult {
    this.reports.push({ grant, observation });
    return {};
  }

  /** Add tokens and tell the scheduler, as a response would. */
  refill(bucket: string, tokens: number): void {
    this.tokens += tokens;
    for (const listener of this.#listeners) listener(bucket);
  }

  subscribe(listener: (bucket: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.#listeners.size;
  }

  snapshot(): ReadonlyMap<string, ModelSnapshot> {
    return new Map();
  }

  async close(): Promise<void> {
    this.#listeners.clear();
  }
}
