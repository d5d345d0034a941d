import type { Clock, TimerHandle } from '../../utils/clock.ts';
import type { LockManagerLike } from './ports.ts';
import type { QuotaNames } from './names.ts';

/** How long a stealing tab keeps the steal lock: ample time for its `lead` to reach every tab. */
const STEAL_LOCK_MS = 1000;

/** How an {@link Election} reports what happens to this tab. */
export interface ElectionOptions {
  readonly locks: LockManagerLike;
  readonly names: QuotaNames;
  readonly tabId: string;
  readonly clock: Clock;
  /** This tab now holds the leader lock (`stolen`: it took it from a silent leader). */
  readonly onElected: (stolen: boolean) => void;
  /** This tab lost the leader lock (another tab stole it). */
  readonly onDeposed: () => void;
}

/**
 * Leadership through a Web Lock held for as long as the tab leads: the browser hands it to the
 * next waiting tab when the leader closes, crashes, is discarded or leaves for the bfcache, in
 * tens of milliseconds. A lock request queued behind a live leader never times out (waiting is
 * the normal state). `steal()` is the guarded escape for a leader that is alive but silent.
 */
export class Election {
  readonly #options: ElectionOptions;
  #request: AbortController | undefined;
  #release: (() => void) | undefined;
  #releaseMarker: (() => void) | undefined;
  #markerAbort: AbortController | undefined;
  #leading = false;
  #stealing = false;
  #running = false;
  #releaseSteal: (() => void) | undefined;

  constructor(options: ElectionOptions) {
    this.#options = options;
  }

  /** True while this tab holds the leader lock. */
  get leading(): boolean {
    return this.#leading;
  }

  /** Queue for the leader lock and take the tab's marker lock. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    const marker = new AbortController();
    this.#markerAbort = marker;
    this.#options.locks
      .request(this.#options.names.tab(this.#options.tabId), { signal: marker.signal }, () => new Promise<void>((resolve) => (this.#releaseMarker = resolve)))
      .catch(() => {});
    this.#queue();
  }

  /**
   * Take the lock from the current holder (its request rejects and it steps down). Two tabs whose
   * thresholds passed within a few ms of each other both saw the wedged holder and both stole (the
   * second from the first): only the tab that gets the steal lock, atomically, steals; it keeps
   * that lock until its `lead` has reached the others.
   */
  steal(): void {
    if (!this.#running || this.#leading || this.#stealing) return;
    this.#stealing = true;
    this.#options.locks
      .request(this.#options.names.steal, { ifAvailable: true }, (lock) => {
        if (lock === null || !this.#running || this.#leading) {
          this.#stealing = false;
          return Promise.resolve();
        }
        // Our place in the queue would grant us the lock a second time later: leave the queue first.
        this.#request?.abort();
        this.#request = undefined;
        this.#acquire(true);
        return new Promise<void>((resolve) => {
          let timer: TimerHandle | undefined;
          const release = (): void => {
            if (timer !== undefined) this.#options.clock.clearTimeout(timer);
            if (this.#releaseSteal === release) this.#releaseSteal = undefined;
            resolve();
          };
          this.#releaseSteal = release;
          timer = this.#options.clock.setTimeout(release, STEAL_LOCK_MS);
        });
      })
      .catch(() => {
        this.#stealing = false;
      });
  }

  /** True while the leader lock is held by this tab (asks `locks.query()`, by the marker lock's client id). */
  async verify(): Promise<boolean> {
    const { held = [] } = await this.#options.locks.query();
    const leader = held.find((lock) => lock.name === this.#options.names.leader);
    const mine = held.find((lock) => lock.name === this.#options.names.tab(this.#options.tabId));
    if (leader === undefined || mine === undefined) return leader !== undefined ? false : this.#leading;
    return leader.clientId === mine.clientId;
  }

  /** The client id holding the leader lock now, if any. */
  async holder(): Promise<string | undefined> {
    const { held = [] } = await this.#options.locks.query();
    return held.find((lock) => lock.name === this.#options.names.leader)?.clientId;
  }

  /** Release the lock (if held) and leave the queue; `start()` rejoins. */
  stop(): void {
    if (!this.#running) return;
    this.#running = false;
    this.#request?.abort();
    this.#request = undefined;
    this.#markerAbort?.abort();
    this.#markerAbort = undefined;
    this.#releaseMarker?.();
    this.#releaseMarker = undefined;
    this.#releaseSteal?.();
    this.#leading = false;
    this.#release?.();
    this.#release = undefined;
  }

  #queue(): void {
    if (this.#running && this.#request === undefined) this.#acquire(false);
  }

  #acquire(steal: boolean): void {
    // Web Locks refuse `signal` together with `steal`: a steal is never queued, so none is needed.
    const controller = steal ? undefined : new AbortController();
    if (controller !== undefined) this.#request = controller;
    let granted = false;
    const options = controller === undefined ? { steal: true } : { signal: controller.signal };
    const settle = (): void => {
      if (steal) this.#stealing = false;
      if (!granted) {
        // Aborted (we left the queue, or stopped) or a steal that failed: rejoin the queue unless stopped.
        if (controller !== undefined && this.#request === controller) this.#request = undefined;
        if (steal) this.#queue();
        return;
      }
      const wasLeading = this.#leading;
      this.#leading = false;
      this.#release = undefined;
      if (!this.#running) return;
      // Held and now gone without our stop(): another tab stole it.
      if (wasLeading) this.#options.onDeposed();
      this.#queue();
    };
    this.#options.locks
      .request(this.#options.names.leader, options, () => {
        granted = true;
        if (controller !== undefined && this.#request === controller) this.#request = undefined;
        return this.#hold(steal);
      })
      .then(settle, settle);
  }

  #hold(stolen: boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      if (!this.#running) {
        resolve();
        return;
      }
      this.#leading = true;
      this.#release = resolve;
      this.#options.onElected(stolen);
    });
  }
}
