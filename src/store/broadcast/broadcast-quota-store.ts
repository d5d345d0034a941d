import type { ModelSnapshot, ObserveResult, Observation } from '../../bucket/types.ts';
import { systemClock, type Clock, type TimerHandle } from '../../utils/clock.ts';
import type { Grant, QuotaStore, TakeRequest, TakeResult } from '../quota-store.ts';
import { Election } from './election.ts';
import { Leader } from './leader.ts';
import { LocalShareStore } from './local-share-store.ts';
import { quotaNames, type QuotaNames } from './names.ts';
import { browserChannel, browserLifecycle, browserLocks, type ChannelPort, type LockManagerLike, type OpenChannel, type PageLifecycle } from './ports.ts';
import { PROTOCOL_VERSION, isProtocolMessage, isToLeader, type ToLeader, type ToTab } from './protocol.ts';
import { Requester } from './requester.ts';
import { StealGuard } from './steal-guard.ts';

/** Options of a {@link BroadcastQuotaStore}. Everything but `name` is for tuning and tests. */
export interface BroadcastQuotaStoreOptions {
  /**
   * The quota namespace: tabs with the same name share one set of buckets. It is hashed into the
   * channel and lock names (with the protocol version), so it may be derived from an account id.
   * @default 'default'
   */
  name?: string;
  /** Opens the tab's channel. @default BroadcastChannel */
  channel?: OpenChannel;
  /** The Web Locks manager; `null` forces the local fallback. @default navigator.locks */
  locks?: LockManagerLike | null;
  /** Visibility and bfcache events. @default document.visibilityState, pagehide/pageshow */
  lifecycle?: PageLifecycle;
  /** @default the system clock */
  clock?: Clock;
  /** This tab's id. @default a random id */
  tabId?: string;
  /** 0 <= x < 1, for the steal jitter. @default Math.random */
  random?: () => number;
  /**
   * After an election, the new leader grants nothing for this long, so answers to the previous
   * leader's grants reach the server first.
   * @default 100
   */
  settleMs?: number;
  /** An unanswered request is re-sent after this long, ms. @default 500 */
  requestTimeoutMs?: number;
  /**
   * A leader that leaves a request unanswered this long (plus 0-50 % jitter; ten times longer in a
   * hidden tab) is presumed wedged or frozen and its lock is stolen.
   * @default 2500
   */
  stealAfterMs?: number;
  /** A leader idle this long checks it still holds the lock before its next grant, ms. @default 1000 */
  verifyAfterMs?: number;
  /** A grant pushed to this tab and not claimed within this long is given back, ms. @default 1000 */
  holdMs?: number;
  /** How long `report()` waits for the leader's conclusions, ms. @default 1000 */
  reportTimeoutMs?: number;
  /**
   * Requests in flight at once across all tabs, per bucket. Browsers open at most 6 HTTP/1.1
   * connections per host for all tabs together: a 7th request waits inside the browser, where
   * the quota model cannot see it, reaches the server late and out of order, and the model must
   * then hold every slot longer. Set 6 for an HTTP/1.1 API; leave it unlimited for HTTP/2 and
   * HTTP/3 APIs, which multiplex (long requests, such as LLM calls, need many in flight).
   * @default Infinity
   * @example new BroadcastQuotaStore({ name: 'api.example.com', maxInFlight: 6 })
   */
  maxInFlight?: number;
  /**
   * Without Web Locks the tabs cannot elect a leader safely: each tab then keeps its own buckets
   * and spends at most this share of every learned limit per window. The default, 1, relies on
   * the server's `remaining` counts (which include every tab's sends) to keep tabs in step; set
   * `1 / n` when you expect `n` tabs at once.
   * @default 1
   */
  fallbackShare?: number;
}

/** This tab's part in the quota: `'leader'` owns the buckets, `'follower'` asks it, `'local'` is the no-Web-Locks fallback. */
export type BroadcastRole = 'leader' | 'follower' | 'local' | 'closed';

/** Counters for diagnostics and dashboards. */
export interface BroadcastStats {
  readonly role: BroadcastRole;
  readonly tabId: string;
  /** The highest leader epoch this tab has seen. */
  readonly epoch: number;
  /** Times this tab became leader. */
  readonly elections: number;
  /** Times this tab took the lock from a silent leader. */
  readonly steals: number;
}

const randomId = (): string =>
  typeof globalThis.crypto?.randomUUID === 'function' ? globalThis.crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/**
 * The buckets of every tab of an origin, in one place: the default store in a page with
 * BroadcastChannel and Web Locks. One tab, the holder of a Web Lock, owns the quota models and
 * grants tokens by message; the others ask it. When it closes or crashes the lock passes to the
 * next tab; when it stops answering (a long task, a frozen page) another tab steals the lock, and
 * epochs keep the deposed leader's late grants from being spent.
 *
 * @example
 * ```ts
 * import { BroadcastQuotaStore, createClient } from 'ky-quota';
 *
 * const api = createClient({
 *   baseUrl: 'https://api.example.com/',
 *   quota: { store: new BroadcastQuotaStore({ name: 'api.example.com:account-42' }) },
 * });
 * ```
 */
export class BroadcastQuotaStore implements QuotaStore {
  readonly kind = 'broadcast';
  readonly #tabId: string;
  readonly #names: QuotaNames;
  readonly #clock: Clock;
  readonly #openChannel: OpenChannel;
  readonly #locks: LockManagerLike | undefined;
  readonly #lifecycle: PageLifecycle;
  readonly #options: Required<Pick<BroadcastQuotaStoreOptions, 'settleMs' | 'requestTimeoutMs' | 'stealAfterMs' | 'verifyAfterMs' | 'holdMs' | 'reportTimeoutMs' | 'maxInFlight'>>;
  readonly #fallback: LocalShareStore | undefined;
  readonly #listeners = new Set<(bucket: string) => void>();
  readonly #roleListeners = new Set<(role: BroadcastRole) => void>();
  readonly #guard: StealGuard;
  readonly #unlisten: (() => void)[] = [];
  #channel: ChannelPort | undefined;
  #requester: Requester | undefined;
  #election: Election | undefined;
  #leader: Leader | undefined;
  #suspect: { readonly holder: string | undefined } | undefined;
  #stealTimer: TimerHandle | undefined;
  #elections = 0;
  #steals = 0;
  #epoch = 0;
  #closed = false;

  constructor(options: BroadcastQuotaStoreOptions = {}) {
    this.#tabId = options.tabId ?? randomId();
    this.#names = quotaNames(options.name ?? 'default');
    this.#clock = options.clock ?? systemClock;
    this.#openChannel = options.channel ?? browserChannel;
    this.#locks = options.locks === null ? undefined : (options.locks ?? browserLocks());
    this.#lifecycle = options.lifecycle ?? browserLifecycle();
    this.#options = {
      settleMs: options.settleMs ?? 100,
      requestTimeoutMs: options.requestTimeoutMs ?? 500,
      stealAfterMs: options.stealAfterMs ?? 2500,
      verifyAfterMs: options.verifyAfterMs ?? 1000,
      holdMs: options.holdMs ?? 1000,
      reportTimeoutMs: options.reportTimeoutMs ?? 1000,
      maxInFlight: options.maxInFlight ?? Number.POSITIVE_INFINITY,
    };
    const { maxInFlight } = this.#options;
    if (!(maxInFlight === Number.POSITIVE_INFINITY || (Number.isInteger(maxInFlight) && maxInFlight >= 1))) {
      throw new RangeError(`Expected \`maxInFlight\` to be an integer >= 1 or Infinity, got \`${String(maxInFlight)}\``);
    }
    this.#guard = new StealGuard({
      clock: this.#clock,
      stealAfterMs: this.#options.stealAfterMs,
      isVisible: () => this.#lifecycle.isVisible(),
      random: options.random ?? Math.random,
    });
    if (this.#locks === undefined) {
      const share = options.fallbackShare ?? 1;
      if (!(share > 0 && share <= 1)) throw new RangeError(`Expected \`fallbackShare\` to be a number > 0 and <= 1, got \`${String(share)}\``);
      this.#fallback = new LocalShareStore(share);
      return;
    }
    this.#unlisten.push(
      this.#lifecycle.onFreeze(() => this.#leave()),
      this.#lifecycle.onResume(() => this.#join()),
      // A frozen page runs nothing but, in Chromium, its channel's message handlers: as leader it
      // stalled the others (its timers stopped, its own grants were never sent) and as follower
      // it was granted tokens it could not use. It leaves as for the bfcache, and rejoins.
      this.#lifecycle.onSuspend?.(() => this.#leave()) ?? (() => {}),
      this.#lifecycle.onWake?.(() => this.#join()) ?? (() => {}),
    );
    this.#join();
  }

  /** This tab's part: leader, follower, the local fallback, or closed. */
  get role(): BroadcastRole {
    if (this.#closed) return 'closed';
    if (this.#fallback !== undefined) return 'local';
    return this.#leader?.active === true ? 'leader' : 'follower';
  }

  /** Counters: role, epoch, elections, steals. */
  get stats(): BroadcastStats {
    return { role: this.role, tabId: this.#tabId, epoch: Math.max(this.#epoch, this.#requester?.epoch ?? 0), elections: this.#elections, steals: this.#steals };
  }

  /** Listen for this tab's role changing; returns the function that stops listening. */
  onRoleChange(listener: (role: BroadcastRole) => void): () => void {
    this.#roleListeners.add(listener);
    return () => this.#roleListeners.delete(listener);
  }

  take(request: TakeRequest): TakeResult | Promise<TakeResult> {
    if (this.#fallback !== undefined) return this.#fallback.take(request);
    const requester = this.#requester;
    if (requester === undefined) return { ok: false, retryAt: undefined, reason: 'response' };
    return requester.take(request.bucket, request.cost, request.defaults);
  }

  report(grant: Grant, observation: Observation): ObserveResult | Promise<ObserveResult> {
    if (this.#fallback !== undefined) return this.#fallback.report(grant, observation);
    return this.#requester?.report(grant.send, grant.bucket, observation) ?? {};
  }

  subscribe(listener: (bucket: string) => void): () => void {
    if (this.#fallback !== undefined) return this.#fallback.subscribe(listener);
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  snapshot(now: number): ReadonlyMap<string, ModelSnapshot> {
    if (this.#fallback !== undefined) return this.#fallback.snapshot(now);
    if (this.#leader?.active === true) return this.#leader.snapshot(now);
    return new Map(this.#requester?.snapshots ?? []);
  }

  /** Leave the channel, release the locks, clear every timer and listener. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    if (this.#fallback !== undefined) {
      this.#closed = true;
      await this.#fallback.close();
      return;
    }
    this.#leave();
    this.#closed = true;
    for (const unlisten of this.#unlisten.splice(0)) unlisten();
    this.#listeners.clear();
    this.#emitRole();
    this.#roleListeners.clear();
  }

  /** Open the channel, start the requester and stand for election (start-up and `pageshow`). */
  #join(): void {
    if (this.#closed || this.#channel !== undefined || this.#locks === undefined) return;
    const channel = this.#openChannel(this.#names.channel);
    this.#channel = channel;
    channel.listen((message) => this.#receive(message));
    this.#requester = new Requester({
      tabId: this.#tabId,
      clock: this.#clock,
      send: (message) => this.#toLeader(message),
      notify: (bucket) => this.#notify(bucket),
      onSilence: (silentForMs) => this.#onSilence(silentForMs),
      requestTimeoutMs: this.#options.requestTimeoutMs,
      holdMs: this.#options.holdMs,
      reportTimeoutMs: this.#options.reportTimeoutMs,
    });
    this.#election = new Election({
      locks: this.#locks,
      names: this.#names,
      tabId: this.#tabId,
      clock: this.#clock,
      onElected: (stolen) => this.#elected(stolen),
      onDeposed: () => this.#deposed(),
    });
    this.#election.start();
  }

  /** Give up leadership, leave the election and close the channel (`pagehide` into the bfcache, `close()`). */
  #leave(): void {
    const channel = this.#channel;
    if (channel === undefined) return;
    const leader = this.#leader;
    this.#requester?.close(); // gives back unclaimed grants while the channel is still open
    if (leader?.active === true) {
      leader.stop();
      channel.post({ v: PROTOCOL_VERSION, from: this.#tabId, type: 'bye', epoch: leader.epoch });
    }
    this.#leader = undefined;
    this.#election?.stop();
    this.#election = undefined;
    this.#requester = undefined;
    this.#channel = undefined;
    this.#suspect = undefined;
    if (this.#stealTimer !== undefined) this.#clock.clearTimeout(this.#stealTimer);
    this.#stealTimer = undefined;
    channel.close();
    if (leader !== undefined) this.#emitRole();
  }

  #receive(data: unknown): void {
    if (!isProtocolMessage(data) || data.from === this.#tabId) return;
    if (isToLeader(data)) {
      if (this.#leader?.active === true) this.#leader.handle(data);
      return;
    }
    if (data.type === 'lead' && this.#leader !== undefined && data.epoch > this.#leader.epoch) {
      // Another tab leads under a newer epoch: it stole the lock from us; stop granting at once.
      this.#stepDown();
    }
    if (data.type === 'lead' || data.type === 'grant' || data.type === 'deny' || data.type === 'ack') this.#suspect = undefined;
    this.#requester?.handle(data);
  }

  #toLeader(message: ToLeader): void {
    const leader = this.#leader;
    if (leader?.active === true) {
      // Never re-enter the leader from inside its own reply chain.
      queueMicrotask(() => {
        if (leader.active) leader.handle(message);
      });
      return;
    }
    this.#channel?.post(message);
  }

  #toTab(message: ToTab): void {
    const requester = this.#requester;
    // Every grant also reaches every tab's replica of recent grants (what a next leader replays),
    // the leader's own grants included.
    const local = 'to' in message && message.type !== 'grant' ? message.to === this.#tabId : true;
    const remote = 'to' in message && message.type !== 'grant' ? message.to !== this.#tabId : true;
    if (remote) this.#channel?.post(message);
    if (local && requester !== undefined) queueMicrotask(() => requester.handle(message));
  }

  #elected(stolen: boolean): void {
    const requester = this.#requester;
    if (requester === undefined) return;
    this.#epoch = Math.max(requester.epoch + 1, this.#epoch + 1, this.#clock.now());
    this.#elections++;
    if (stolen) this.#steals++;
    const pausedUntil = new Map<string, number>();
    for (const [bucket, snapshot] of requester.snapshots) if (snapshot.pausedUntil !== undefined) pausedUntil.set(bucket, snapshot.pausedUntil);
    const election = this.#election;
    const leader: Leader = new Leader({
      tabId: this.#tabId,
      epoch: this.#epoch,
      clock: this.#clock,
      send: (message) => this.#toTab(message),
      verify: () => election?.verify() ?? Promise.resolve(false),
      onDeposed: () => {
        if (this.#leader === leader) this.#stepDown();
      },
      verifyAfterMs: this.#options.verifyAfterMs,
      maxInFlight: this.#options.maxInFlight,
      // After a steal the old leader is alive: until it sees the new epoch it may still have
      // grants out that no tab heard of. Waiting one window lets any such send leave the
      // server's window before this leader spends it again.
      settleMs: this.#settleFor(requester, stolen),
      pausedUntil,
      seed: (bucket) => {
        const snapshot = requester.snapshots.get(bucket);
        if (snapshot?.limit === undefined || snapshot.windowMs === undefined) return undefined;
        return { limit: snapshot.limit, windowMs: snapshot.windowMs, grants: requester.recentGrants(bucket, this.#clock.now()) };
      },
    });
    this.#leader = leader;
    this.#suspect = undefined;
    this.#toTab({ v: PROTOCOL_VERSION, from: this.#tabId, type: 'lead', epoch: this.#epoch });
    this.#emitRole();
  }

  /**
   * How long a new leader grants nothing. A clean handover: `settleMs`, enough for the old
   * leader's last grants to reach the server, since the new model replays them. Without a window
   * to replay them against (none learned yet) the new model cannot count them at all: wait a
   * second so they have landed and the server's next `remaining` includes them. After a steal the
   * old leader is alive and may still grant until it sees the new epoch: wait one window more.
   */
  #settleFor(requester: Requester, stolen: boolean): number {
    const base = this.#options.settleMs;
    if (stolen) return Math.max(base, this.#largestWindow(requester) + base);
    const replayable = [...requester.snapshots.values()].every((snapshot) => snapshot.limit !== undefined && snapshot.windowMs !== undefined);
    return replayable ? base : Math.max(base, 1000);
  }

  /** The longest window any bucket's last snapshot named (1 s when none is known). */
  #largestWindow(requester: Requester): number {
    let largest = 0;
    for (const snapshot of requester.snapshots.values()) largest = Math.max(largest, snapshot.windowMs ?? 0);
    return largest > 0 && Number.isFinite(largest) ? Math.min(largest, 60_000) : 1000;
  }

  #deposed(): void {
    this.#stepDown();
  }

  #stepDown(): void {
    const leader = this.#leader;
    if (leader === undefined) return;
    leader.stop();
    this.#leader = undefined;
    this.#emitRole();
    // Our own waiters were queued in our leader: ask the new one.
    for (const bucket of this.#requester?.snapshots.keys() ?? []) this.#notify(bucket);
  }

  /** A request went unanswered: maybe steal the lock from a wedged or frozen leader (guarded, damped). */
  #onSilence(silentForMs: number): void {
    const election = this.#election;
    if (election === undefined || this.#leader !== undefined || this.#closed) return;
    if (this.#suspect === undefined) {
      // Remember who held the lock when the silence began; steal only if that same holder still does.
      const suspect = { holder: undefined };
      this.#suspect = suspect;
      void election.holder().then(
        (holder) => {
          // No holder: the lock is free and the queue hands it on; nothing to steal.
          if (this.#suspect === suspect) this.#suspect = { holder };
        },
        () => {},
      );
      return;
    }
    if (!this.#guard.due(silentForMs)) {
      // Check again exactly when this tab's (jittered) threshold passes, not at the next watchdog
      // tick: tabs whose silences began together would otherwise decide on the same tick and all steal.
      const wait = this.#guard.remaining(silentForMs);
      if (wait > 0 && this.#stealTimer === undefined) {
        this.#stealTimer = this.#clock.setTimeout(() => {
          this.#stealTimer = undefined;
          const silent = this.#requester?.silentForMs() ?? 0;
          if (silent > 0 && this.#suspect !== undefined) this.#onSilence(silent);
        }, wait);
      }
      return;
    }
    const suspected = this.#suspect.holder;
    if (suspected === undefined) return;
    void election.holder().then(
      (holder) => {
        if (this.#election !== election || this.#leader !== undefined || holder === undefined || holder !== suspected) return;
        if (!this.#guard.due(silentForMs)) return;
        this.#guard.stole();
        election.steal();
      },
      () => {},
    );
  }

  #notify(bucket: string): void {
    for (const listener of this.#listeners) listener(bucket);
  }

  #emitRole(): void {
    const role = this.role;
    for (const listener of this.#roleListeners) listener(role);
  }
}
