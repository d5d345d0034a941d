import type { ModelSnapshot, Observation, ObserveResult, QuotaModelOptions, SendRecord, TakeDecision, Units } from '../../bucket/types.ts';
import type { Clock, TimerHandle } from '../../utils/clock.ts';
import { PROTOCOL_VERSION, type ToLeader, type ToTab } from './protocol.ts';


/** A grant older than this when it reaches its tab is given back, not sent. */
const STALE_GRANT_MS = 1000;
/** A send as this store hands it out: the grant's epoch rides along so its report reaches the right model. */
export interface BroadcastSendRecord extends SendRecord {
  readonly epoch: number;
}

/** How a {@link Requester} talks to the world. */
export interface RequesterOptions {
  readonly tabId: string;
  readonly clock: Clock;
  /** Deliver to the leader (this tab's leader directly, else the channel). */
  readonly send: (message: ToLeader) => void;
  /** A bucket's waiters may go now (a pushed grant arrived, a new leader took over). */
  readonly notify: (bucket: string) => void;
  /** Called on each unanswered check with how long the oldest request has gone unanswered. */
  readonly onSilence: (silentForMs: number) => void;
  /** Re-send an unanswered request after this long. */
  readonly requestTimeoutMs: number;
  /** A pushed grant nobody claims within this long is given back. */
  readonly holdMs: number;
  /** Wait this long for a report's ack before answering without the leader's conclusions. */
  readonly reportTimeoutMs: number;
}

interface Outstanding {
  readonly id: string;
  readonly bucket: string;
  readonly cost: Units;
  readonly defaults: QuotaModelOptions;
  /** When the oldest still-unanswered copy was sent; `undefined` once the leader answered. */
  unansweredSince: number | undefined;
  resolve: ((decision: TakeDecision) => void) | undefined;
}

/** A grant any tab received, as this tab saw it go by. */
export interface RecentGrant {
  readonly sentAt: number;
  readonly cost: Units;
}

/** Taken grants' request ids remembered (duplicates arrive within a round trip or two). */
const TAKEN_MEMORY = 1024;
/** Grants remembered per bucket at most (a few windows of a fast API). */
const RECENT_CAP = 8192;
/** Without a known window, remember this long, ms. */
const RECENT_DEFAULT_MS = 1000;

interface Held {
  readonly send: BroadcastSendRecord;
  readonly timer: TimerHandle;
}

interface PendingReport {
  readonly resolve: (result: ObserveResult) => void;
  readonly timer: TimerHandle;
}

/**
 * A tab's half of the protocol: at most one outstanding request per bucket (the scheduler asks
 * for its head waiter only), stable request ids so a re-sent request is never granted twice,
 * grants pushed while nobody waits kept for the scheduler to claim, and epoch fencing.
 */
export class Requester {
  readonly #options: RequesterOptions;
  readonly #outstanding = new Map<string, Outstanding>();
  readonly #held = new Map<string, Held>();
  readonly #reports = new Map<string, PendingReport>();
  readonly #snapshots = new Map<string, ModelSnapshot>();
  /** Every tab's grants seen recently, by bucket: what a new leader replays so its window starts full. */
  readonly #recent = new Map<string, RecentGrant[]>();
  #epoch = 0;
  #sequence = 0;
  /** Request ids whose grant this tab took, newest last: a second copy of one is a duplicate, not a stray token. */
  readonly #taken = new Set<string>();
  /** When this requester started (the tab joined, or rejoined after a freeze or the bfcache), epoch ms. */
  readonly #since: number;
  #watchdog: TimerHandle | undefined;
  #closed = false;

  constructor(options: RequesterOptions) {
    this.#options = options;
    this.#since = options.clock.now();
  }

  /** The highest leader epoch seen. */
  get epoch(): number {
    return this.#epoch;
  }

  /** The leaders' latest snapshots, by bucket. */
  get snapshots(): ReadonlyMap<string, ModelSnapshot> {
    return this.#snapshots;
  }

  /** A grant issued more than {@link STALE_GRANT_MS} ago (tabs of an origin share one clock). */
  #stale(send: { readonly sentAt: number }): boolean {
    return this.#options.clock.now() - send.sentAt > STALE_GRANT_MS;
  }

  /** Ask for a token; resolves with the leader's grant or refusal (or a refusal when it stays silent). */
  take(bucket: string, cost: Units, defaults: QuotaModelOptions): TakeDecision | Promise<TakeDecision> {
    if (this.#closed) return { ok: false, retryAt: undefined, reason: 'response' };
    const held = this.#held.get(bucket);
    if (held !== undefined) {
      this.#held.delete(bucket);
      this.#options.clock.clearTimeout(held.timer);
      if (sameUnits(held.send.cost, cost) && !this.#stale(held.send)) return { ok: true, send: held.send };
      this.giveBack(bucket, held.send);
    }
    let outstanding = this.#outstanding.get(bucket);
    if (outstanding !== undefined && !sameUnits(outstanding.cost, cost)) {
      // The head waiter changed (a priority or a different cost): that request is no longer wanted.
      this.#options.send({ v: PROTOCOL_VERSION, from: this.#options.tabId, type: 'cancel', id: outstanding.id, bucket });
      outstanding.resolve?.({ ok: false, retryAt: this.#options.clock.now(), reason: 'response' });
      outstanding = undefined;
    }
    if (outstanding === undefined) {
      outstanding = { id: `${this.#options.tabId}:${++this.#sequence}`, bucket, cost, defaults, unansweredSince: undefined, resolve: undefined };
      this.#outstanding.set(bucket, outstanding);
    }
    const current = outstanding;
    return new Promise<TakeDecision>((resolve) => {
      current.resolve?.({ ok: false, retryAt: this.#options.clock.now(), reason: 'response' });
      current.resolve = resolve;
      this.#post(current);
    });
  }

  /** Send a report to the leader; resolves with its conclusions, or `{}` if it does not answer in time. */
  report(send: SendRecord, bucket: string, reported: Observation): Promise<ObserveResult> {
    const epoch = (send as Partial<BroadcastSendRecord>).epoch ?? this.#epoch;
    if (this.#closed) return Promise.resolve({});
    // A response to a send granted before this tab left (frozen, or in the bfcache) was read only
    // after it came back: its round trip would be the freeze's length (one such sample made the
    // leader hold every slot for window + 5 s, stalling all tabs for 6 s) and its headers are as
    // old. Report it as an attempt without an answer: the send still counts, nothing false is learned.
    const observation: Observation = send.sentAt < this.#since && reported.status !== undefined ? { now: reported.now } : reported;
    const rid = `${this.#options.tabId}:r${++this.#sequence}`;
    return new Promise<ObserveResult>((resolve) => {
      const timer = this.#options.clock.setTimeout(() => {
        this.#reports.delete(rid);
        resolve({});
      }, this.#options.reportTimeoutMs);
      this.#reports.set(rid, { resolve, timer });
      this.#options.send({ v: PROTOCOL_VERSION, from: this.#options.tabId, type: 'report', rid, epoch, bucket, send: stripEpoch(send), observation });
    });
  }

  /** Return a token that was never used (its attempt never went out). */
  giveBack(bucket: string, send: BroadcastSendRecord): void {
    void this.report(send, bucket, { now: this.#options.clock.now() });
  }

  /** Handle a message for this tab (or for all tabs). */
  handle(message: ToTab): void {
    if (this.#closed) return;
    switch (message.type) {
      case 'lead':
        this.#lead(message.epoch);
        break;
      case 'bye':
        break;
      case 'snap':
        if (message.epoch >= this.#epoch) this.#snapshots.set(message.bucket, message.snapshot);
        break;
      case 'ack': {
        if (message.to !== this.#options.tabId) break;
        const pending = this.#reports.get(message.rid);
        if (pending === undefined) break;
        this.#reports.delete(message.rid);
        this.#options.clock.clearTimeout(pending.timer);
        pending.resolve(message.result);
        break;
      }
      case 'grant':
        this.#record(message.bucket, message.send.sentAt, message.send.cost);
        if (message.to === this.#options.tabId) this.#answer(message);
        break;
      case 'deny':
        if (message.to === this.#options.tabId) this.#answer(message);
        break;
    }
  }

  /** The grants seen within the bucket's last window (and a little more), oldest first. */
  recentGrants(bucket: string, now: number): readonly RecentGrant[] {
    const list = this.#recent.get(bucket) ?? [];
    const horizon = now - 2 * (this.#snapshots.get(bucket)?.windowMs ?? RECENT_DEFAULT_MS);
    return list.filter((grant) => grant.sentAt > horizon).sort((a, b) => a.sentAt - b.sentAt);
  }

  #record(bucket: string, sentAt: number, cost: Units): void {
    let list = this.#recent.get(bucket);
    if (list === undefined) {
      list = [];
      this.#recent.set(bucket, list);
    }
    list.push({ sentAt, cost });
    const horizon = sentAt - 2 * (this.#snapshots.get(bucket)?.windowMs ?? RECENT_DEFAULT_MS);
    let drop = 0;
    while (drop < list.length && ((list[drop]?.sentAt ?? Infinity) <= horizon || list.length - drop > RECENT_CAP)) drop++;
    if (drop > 0) list.splice(0, drop);
  }

  /** A new leader: adopt its epoch and re-send every outstanding request to it. */
  #lead(epoch: number): void {
    if (epoch < this.#epoch) return;
    this.#epoch = epoch;
    for (const outstanding of this.#outstanding.values()) {
      outstanding.unansweredSince = undefined;
      this.#post(outstanding);
    }
    for (const bucket of new Set([...this.#outstanding.keys(), ...this.#snapshots.keys()])) this.#options.notify(bucket);
  }

  #answer(message: Extract<ToTab, { type: 'grant' | 'deny' }>): void {
    // Fencing: a deposed leader's answers are dropped (its grants never spent).
    if (message.epoch < this.#epoch) return;
    this.#epoch = message.epoch;
    const outstanding = this.#outstanding.get(message.bucket);
    if (outstanding === undefined || outstanding.id !== message.id) {
      // The leader answers a re-sent request with the grant it already gave (idempotency), and a
      // re-send races a pushed grant often: that second copy is the token this tab is using, and
      // handing it back settled the send while it was still in flight (no round trip learned,
      // and the leader stopped counting it as uncertain). Only a grant for a request no longer
      // wanted (cancelled) goes back.
      if (message.type === 'grant' && !this.#taken.has(message.id)) this.giveBack(message.bucket, { ...message.send, epoch: message.epoch });
      return;
    }
    outstanding.unansweredSince = undefined;
    if (message.type === 'grant') {
      this.#taken.add(message.id);
      if (this.#taken.size > TAKEN_MEMORY) this.#taken.delete(this.#taken.values().next().value as string);
    }
    if (message.type === 'deny') {
      const resolve = outstanding.resolve;
      outstanding.resolve = undefined;
      resolve?.({ ok: false, retryAt: message.retryAt, reason: message.reason });
      return;
    }
    this.#outstanding.delete(message.bucket);
    const send: BroadcastSendRecord = { ...message.send, epoch: message.epoch };
    if (this.#stale(send)) {
      // Granted long ago (this tab was frozen or busy while the grant waited in its queue): the
      // leader counted it then, so sending it now would spend a slot the leader let go of.
      this.giveBack(message.bucket, send);
      const resolve = outstanding.resolve;
      outstanding.resolve = undefined;
      resolve?.({ ok: false, retryAt: this.#options.clock.now(), reason: 'response' });
      return;
    }
    if (outstanding.resolve !== undefined) {
      outstanding.resolve({ ok: true, send });
      return;
    }
    // Pushed to a waiter that is sleeping on its (possibly throttled) timer: keep it and wake it.
    const previous = this.#held.get(message.bucket);
    if (previous !== undefined) {
      this.#options.clock.clearTimeout(previous.timer);
      this.giveBack(message.bucket, previous.send);
    }
    const timer = this.#options.clock.setTimeout(() => {
      const held = this.#held.get(message.bucket);
      if (held?.send !== send) return;
      this.#held.delete(message.bucket);
      this.giveBack(message.bucket, send);
    }, this.#options.holdMs);
    this.#held.set(message.bucket, { send, timer });
    this.#options.notify(message.bucket);
  }

  #post(outstanding: Outstanding): void {
    const now = this.#options.clock.now();
    outstanding.unansweredSince ??= now;
    this.#options.send({
      v: PROTOCOL_VERSION,
      from: this.#options.tabId,
      type: 'req',
      id: outstanding.id,
      bucket: outstanding.bucket,
      cost: outstanding.cost,
      defaults: outstanding.defaults,
    });
    this.#armWatchdog();
  }

  /** While a request goes unanswered: re-send it, let a waiting take go, and report the silence. */
  #armWatchdog(): void {
    if (this.#watchdog !== undefined || this.#closed) return;
    this.#watchdog = this.#options.clock.setTimeout(() => {
      this.#watchdog = undefined;
      if (this.#closed) return;
      const now = this.#options.clock.now();
      let oldest: number | undefined;
      for (const outstanding of this.#outstanding.values()) {
        if (outstanding.unansweredSince === undefined) continue;
        if (now - outstanding.unansweredSince < this.#options.requestTimeoutMs) {
          oldest = Math.min(oldest ?? Infinity, outstanding.unansweredSince);
          continue;
        }
        oldest = Math.min(oldest ?? Infinity, outstanding.unansweredSince);
        const resolve = outstanding.resolve;
        outstanding.resolve = undefined;
        // The scheduler polls again soon; the same id goes out again then (and now, in case it was lost).
        resolve?.({ ok: false, retryAt: now + this.#options.requestTimeoutMs, reason: 'response' });
        const since = outstanding.unansweredSince;
        this.#post(outstanding);
        outstanding.unansweredSince = since;
      }
      if (oldest !== undefined) {
        this.#armWatchdog();
        this.#options.onSilence(now - oldest);
      }
    }, this.#options.requestTimeoutMs);
  }

  /** How long the oldest outstanding request has gone unanswered, ms (0 when none). */
  silentForMs(): number {
    let oldest: number | undefined;
    for (const outstanding of this.#outstanding.values()) {
      if (outstanding.unansweredSince !== undefined) oldest = Math.min(oldest ?? Infinity, outstanding.unansweredSince);
    }
    return oldest === undefined ? 0 : this.#options.clock.now() - oldest;
  }

  /** Forget a bucket's outstanding request's silence (a new leader is being elected by this tab). */
  resetSilence(): void {
    for (const outstanding of this.#outstanding.values()) if (outstanding.unansweredSince !== undefined) outstanding.unansweredSince = this.#options.clock.now();
  }

  /** Give back unclaimed grants, answer every pending take and report, clear timers. */
  close(): void {
    if (this.#closed) return;
    // Unclaimed pushed grants go back first, so the leader does not count them in flight forever.
    for (const [bucket, held] of this.#held) {
      this.#options.clock.clearTimeout(held.timer);
      this.giveBack(bucket, held.send);
    }
    this.#held.clear();
    // Requests queued at the leader would be granted to a tab that is gone (a token nobody sends).
    for (const outstanding of this.#outstanding.values()) {
      this.#options.send({ v: PROTOCOL_VERSION, from: this.#options.tabId, type: 'cancel', id: outstanding.id, bucket: outstanding.bucket });
    }
    this.#closed = true;
    if (this.#watchdog !== undefined) this.#options.clock.clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    for (const outstanding of this.#outstanding.values()) outstanding.resolve?.({ ok: false, retryAt: undefined, reason: 'response' });
    this.#outstanding.clear();
    for (const pending of this.#reports.values()) {
      this.#options.clock.clearTimeout(pending.timer);
      pending.resolve({});
    }
    this.#reports.clear();
  }
}

function sameUnits(a: Units, b: Units): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => a[key] === b[key]);
}

function stripEpoch(send: SendRecord): SendRecord {
  return { id: send.id, sentAt: send.sentAt, cost: send.cost };
}
