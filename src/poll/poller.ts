import type { HiddenPolicy, PollHandle, PollInfo, PollSource } from './types.ts';
import { toResponse, type SharedBody } from './shared-body.ts';

/** What a poller needs from its feed. */
export interface PollerFeed {
  /** The quota's stretch for this feed's bucket. */
  stretch(): number;
  /** True while the tab is hidden. */
  hidden(): boolean;
  now(): number;
  /** The poller asks to poll now. */
  refresh(poller: FeedMember): void;
  /** The poller stopped. */
  remove(poller: FeedMember): void;
}

/** A poller's settings, validated. */
export interface PollerSettings<T> {
  readonly url: string;
  readonly everyMs: number;
  readonly hidden: HiddenPolicy;
  readonly hiddenFactor: number;
  readonly parse: (response: Response) => Promise<T>;
  readonly onData: (data: T, info: PollInfo) => void;
  readonly onError: ((error: unknown) => void) | undefined;
}

/** A poller as its feed drives it (the data type erased). */
export interface FeedMember {
  dueAt: number;
  base: number;
  waiting: boolean;
  deliveredAt: number | undefined;
  readonly wantedMs: number;
  readonly intervalMs: number;
  countDropped(now: number): void;
  deliver(body: SharedBody, source: PollSource): void;
  fail(error: unknown): void;
}

/**
 * One subscriber of a feed: its own interval, hidden-tab policy and callback. Its schedule
 * (`dueAt`, `waiting`) is driven by its feed; at most one fetch per feed is ever waiting or in
 * flight, so at most one per poller.
 */
export class Poller<T = unknown> implements PollHandle, FeedMember {
  readonly settings: PollerSettings<T>;
  readonly #feed: PollerFeed;
  /** When it wants data next, epoch ms (`Infinity` while paused). */
  dueAt = 0;
  /** The time its current interval counts from. */
  base = 0;
  /** Waiting for a fetch in flight (here or in another tab): no tick of it starts another. */
  waiting = false;
  /** `fetchedAt` of the data last delivered. */
  deliveredAt: number | undefined;
  #dropped = 0;
  #active = true;
  #delivering: Promise<void> = Promise.resolve();

  constructor(settings: PollerSettings<T>, feed: PollerFeed) {
    this.settings = settings;
    this.#feed = feed;
  }

  get everyMs(): number {
    return this.settings.everyMs;
  }

  /** The interval it wants before the quota's stretch: `every`, slowed or paused in a hidden tab. */
  get wantedMs(): number {
    if (!this.#feed.hidden()) return this.settings.everyMs;
    return this.settings.hidden === 'pause' ? Number.POSITIVE_INFINITY : this.settings.everyMs * this.settings.hiddenFactor;
  }

  get intervalMs(): number {
    return this.wantedMs * this.#feed.stretch();
  }

  get ageMs(): number | undefined {
    return this.deliveredAt === undefined ? undefined : Math.max(0, this.#feed.now() - this.deliveredAt);
  }

  get dropped(): number {
    return this.#dropped;
  }

  get active(): boolean {
    return this.#active;
  }

  refresh(): void {
    if (this.#active) this.#feed.refresh(this);
  }

  stop(): void {
    if (!this.#active) return;
    this.#active = false;
    this.#feed.remove(this);
  }

  /** Count the ticks that passed while it waited (dropped, not queued). */
  countDropped(now: number): void {
    const interval = this.intervalMs;
    if (Number.isFinite(interval) && interval > 0 && now - this.dueAt >= interval) this.#dropped += Math.floor((now - this.dueAt) / interval);
  }

  /** Deliver a body: parse it and call back, one delivery at a time, in order. */
  deliver(body: SharedBody, source: PollSource): void {
    this.deliveredAt = body.fetchedAt;
    const run = async (): Promise<void> => {
      if (!this.#active) return;
      let data: T;
      try {
        data = await this.settings.parse(toResponse(body));
      } catch (error) {
        this.fail(error);
        return;
      }
      if (!this.#active) return;
      const now = this.#feed.now();
      try {
        this.settings.onData(data, { fetchedAt: body.fetchedAt, ageMs: Math.max(0, now - body.fetchedAt), intervalMs: this.intervalMs, status: body.status, source });
      } catch (error) {
        // The callback's own bug: surface it as an uncaught error, and keep polling.
        queueMicrotask(() => {
          throw error;
        });
      }
    };
    this.#delivering = this.#delivering.then(run);
  }

  /** A poll failed (HTTP, network or parse error): tell `onError`, or warn. The poller keeps going. */
  fail(error: unknown): void {
    if (!this.#active) return;
    if (this.settings.onError === undefined) {
      console.warn(`ky-quota: a poll of ${this.settings.url} failed: ${String(error)}`);
      return;
    }
    try {
      this.settings.onError(error);
    } catch (inner) {
      queueMicrotask(() => {
        throw inner;
      });
    }
  }
}
