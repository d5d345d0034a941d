import type { ModelSnapshot } from './bucket/types.ts';
import type { PollIntervalEvent } from './poll/snapshot.ts';

/** Emitted when a server refused a request for its rate limit (429, 503, or a 403 limit). */
export interface LimitedEvent {
  readonly bucket: string;
  readonly status: number;
  readonly request: Request;
  /** When the server said the quota returns, epoch ms. */
  readonly retryAt: number | undefined;
  /** Until when the whole bucket waits, epoch ms. */
  readonly pausedUntil: number | undefined;
}

/** Emitted when a bucket's limit was learned or changed. */
export interface LimitChangeEvent {
  readonly bucket: string;
  readonly snapshot: ModelSnapshot;
}

/** Emitted once per cause when ky-quota cannot do its job fully (hidden CORS headers, ...). */
export interface WarningEvent {
  readonly bucket: string;
  readonly message: string;
}

/** The events of `api.quota`, by name. */
export interface QuotaEvents {
  limited: LimitedEvent;
  'limit-change': LimitChangeEvent;
  warning: WarningEvent;
  /** The pollers' intervals of a bucket stretched or shrank back (see `api.poll()`). */
  'poll-interval': PollIntervalEvent;
}

type Listener<T> = (event: T) => void;

/** A small typed event emitter; every event has an awaitable twin through {@link Emitter.once}. */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();

  /** Listen; returns the function that stops listening. */
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as Listener<never>);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): void {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
  }

  /** The next occurrence of an event. */
  once<K extends keyof Events>(event: K): Promise<Events[K]> {
    return new Promise((resolve) => {
      const stop = this.on(event, (payload) => {
        stop();
        resolve(payload);
      });
    });
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as Listener<Events[K]>)(payload);
      } catch (error) {
        // A listener's bug must not break the request that emitted the event.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }
}
