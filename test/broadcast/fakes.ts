import type { ChannelPort, LockInfoLike, LockManagerLike, OpenChannel, PageLifecycle } from '../../src/store/broadcast/ports.ts';

/** Faults a {@link FakeBus} can inject. */
export interface BusFaults {
  /** Delivery delay per message, ms (a function for random delays: reordering across senders). */
  delay?: number | ((from: string, to: string) => number);
  /** Drop a message when this returns true. */
  drop?: (message: unknown, from: string, to: string) => boolean;
}

const abortError = (): Error => new DOMException('The lock request was aborted', 'AbortError');

/**
 * An in-memory BroadcastChannel: structured-clones every message, delivers with a timer (so fake
 * timers step it), and can delay, drop, reorder and partition.
 */
export class FakeBus {
  readonly #ports = new Map<string, Set<{ tab: string; listener: ((message: unknown) => void) | undefined }>>();
  readonly #partitioned = new Set<string>();
  faults: BusFaults = {};
  /** Messages posted, by type. */
  readonly posted = new Map<string, number>();

  /** The `channel` option for one tab. */
  open(tab: string): OpenChannel {
    return (name) => {
      const members = this.#ports.get(name) ?? new Set();
      this.#ports.set(name, members);
      const port: { tab: string; listener: ((message: unknown) => void) | undefined } = { tab, listener: undefined };
      members.add(port);
      let closed = false;
      const channel: ChannelPort = {
        post: (message) => {
          if (closed) throw new DOMException('closed', 'InvalidStateError');
          const type = (message as { type?: string }).type ?? '?';
          this.posted.set(type, (this.posted.get(type) ?? 0) + 1);
          const copy = structuredClone(message);
          for (const other of members) {
            if (other === port) continue;
            if (this.#partitioned.has(tab) || this.#partitioned.has(other.tab)) continue;
            if (this.faults.drop?.(copy, tab, other.tab) === true) continue;
            const delay = typeof this.faults.delay === 'function' ? this.faults.delay(tab, other.tab) : (this.faults.delay ?? 0);
            setTimeout(() => {
              if (members.has(other)) other.listener?.(copy);
            }, delay);
          }
        },
        listen: (listener) => {
          port.listener = listener;
        },
        close: () => {
          closed = true;
          members.delete(port);
        },
      };
      return channel;
    };
  }

  /** Cut a tab off (or reconnect it). */
  partition(tab: string, cut = true): void {
    if (cut) this.#partitioned.add(tab);
    else this.#partitioned.delete(tab);
  }

  /** Open ports (tests assert everything closed). */
  get openPorts(): number {
    let count = 0;
    for (const members of this.#ports.values()) count += members.size;
    return count;
  }
}

interface Holder {
  readonly client: string;
  readonly reject: (error: unknown) => void;
}

interface Pending {
  readonly client: string;
  readonly grant: () => void;
  readonly reject: (error: unknown) => void;
}

/** An in-memory Web Locks: exclusive mode, queues, `signal`, `steal`, `query()` with client ids, and `crash()`. */
export class FakeLockHub {
  readonly #held = new Map<string, Holder>();
  readonly #pending = new Map<string, Pending[]>();
  readonly #crashed = new Set<string>();
  /** Steals granted, in order. */
  readonly steals: string[] = [];

  /** The `locks` option for one client (tab). */
  client(clientId: string): LockManagerLike {
    return {
      request: (name, options, callback) =>
        new Promise((resolve, reject) => {
          if (this.#crashed.has(clientId)) return; // a dead tab's requests never settle
          const grant = (): void => {
            let settled = false;
            this.#held.set(name, {
              client: clientId,
              reject: (error) => {
                if (settled) return;
                settled = true;
                reject(error);
              },
            });
            Promise.resolve()
              .then(() => callback({ name }))
              .then(
                (value) => {
                  if (this.#held.get(name)?.client === clientId && !settled) this.#release(name);
                  if (!settled) {
                    settled = true;
                    resolve(value);
                  }
                },
                (error: unknown) => {
                  if (this.#held.get(name)?.client === clientId && !settled) this.#release(name);
                  if (!settled) {
                    settled = true;
                    reject(error);
                  }
                },
              );
          };
          if (options.steal === true) {
            const victim = this.#held.get(name);
            this.#held.delete(name);
            this.steals.push(clientId);
            victim?.reject(abortError());
            grant();
            return;
          }
          if (options.signal?.aborted === true) {
            reject(abortError());
            return;
          }
          if (options.ifAvailable === true && this.#held.has(name)) {
            Promise.resolve()
              .then(() => callback(null))
              .then(resolve, reject);
            return;
          }
          if (!this.#held.has(name)) {
            grant();
            return;
          }
          const entry: Pending = { client: clientId, grant, reject };
          const queue = this.#pending.get(name) ?? [];
          queue.push(entry);
          this.#pending.set(name, queue);
          options.signal?.addEventListener(
            'abort',
            () => {
              const list = this.#pending.get(name) ?? [];
              const index = list.indexOf(entry);
              if (index >= 0) {
                list.splice(index, 1);
                reject(abortError());
              }
            },
            { once: true },
          );
        }),
      query: async () => {
        const held: LockInfoLike[] = [...this.#held].map(([name, holder]) => ({ name, clientId: holder.client }));
        const pending: LockInfoLike[] = [...this.#pending].flatMap(([name, list]) => list.map((entry) => ({ name, clientId: entry.client })));
        return { held, pending };
      },
    };
  }

  /** The tab died: its locks go to the next waiters, its promises never settle. */
  crash(clientId: string): void {
    this.#crashed.add(clientId);
    for (const [name, list] of this.#pending) this.#pending.set(name, list.filter((entry) => entry.client !== clientId));
    for (const [name, holder] of [...this.#held]) if (holder.client === clientId) this.#release(name);
  }

  /** Who holds a lock. */
  holder(name: string): string | undefined {
    return this.#held.get(name)?.client;
  }

  /** Locks held or waited for (tests assert none left). */
  get size(): number {
    let pending = 0;
    for (const list of this.#pending.values()) pending += list.length;
    return this.#held.size + pending;
  }

  #release(name: string): void {
    this.#held.delete(name);
    const next = this.#pending.get(name)?.shift();
    next?.grant();
  }
}

/** A page lifecycle the test drives. */
export class FakeLifecycle implements PageLifecycle {
  visible = true;
  readonly #freeze = new Set<() => void>();
  readonly #resume = new Set<() => void>();
  readonly #wake = new Set<() => void>();
  readonly #suspend = new Set<() => void>();

  isVisible(): boolean {
    return this.visible;
  }

  onFreeze(listener: () => void): () => void {
    this.#freeze.add(listener);
    return () => this.#freeze.delete(listener);
  }

  onResume(listener: () => void): () => void {
    this.#resume.add(listener);
    return () => this.#resume.delete(listener);
  }

  onSuspend(listener: () => void): () => void {
    this.#suspend.add(listener);
    return () => this.#suspend.delete(listener);
  }

  /** Page Lifecycle `freeze`. */
  suspend(): void {
    for (const listener of this.#suspend) listener();
  }

  onWake(listener: () => void): () => void {
    this.#wake.add(listener);
    return () => this.#wake.delete(listener);
  }

  /** Page Lifecycle `resume` after a freeze. */
  wake(): void {
    for (const listener of this.#wake) listener();
  }

  /** `pagehide` with `persisted`. */
  freeze(): void {
    for (const listener of this.#freeze) listener();
  }

  /** `pageshow` with `persisted`. */
  resume(): void {
    for (const listener of this.#resume) listener();
  }

  get listeners(): number {
    return this.#freeze.size + this.#resume.size + this.#wake.size + this.#suspend.size;
  }
}
