import { QuotaModel } from '../../bucket/quota-model.ts';
import type { ModelSnapshot, QuotaModelOptions, SendRecord, TakeDecision, Units } from '../../bucket/types.ts';
import type { Clock, TimerHandle } from '../../utils/clock.ts';
import { PROTOCOL_VERSION, type ReportMessage, type RequestMessage, type ToLeader, type ToTab } from './protocol.ts';

/** How a {@link Leader} talks to the world. */
export interface LeaderOptions {
  readonly tabId: string;
  readonly epoch: number;
  readonly clock: Clock;
  /** Deliver a message to the tab it names (this tab directly, others over the channel). */
  readonly send: (message: ToTab) => void;
  /** Resolve true while this tab still holds the leader lock (`locks.query()`). */
  readonly verify: () => Promise<boolean>;
  /** Called once when verification says another tab leads now. */
  readonly onDeposed: () => void;
  /** Check the lock before deciding after a gap this long (a wedge or freeze may have cost us the lock). */
  readonly verifyAfterMs: number;
  /** Deny for this long after election, so grants in flight from the previous leader settle first. */
  readonly settleMs: number;
  /** Grants not yet reported, per bucket, at most (every tab's together). */
  readonly maxInFlight?: number;
  /** Pauses the previous leader imposed (from its snapshots), kept until they end. */
  readonly pausedUntil?: ReadonlyMap<string, number>;
  /** What the previous leader knew of a bucket, so this one starts from its window instead of empty. */
  readonly seed?: (bucket: string) => BucketSeed | undefined;
}

/** A bucket's state handed from one leader to the next through the followers' replicas. */
export interface BucketSeed {
  /** The limit and window the previous leader paced with. */
  readonly limit: number;
  readonly windowMs: number;
  /** The grants of its last window, oldest first. */
  readonly grants: readonly { readonly sentAt: number; readonly cost: Units }[];
}

interface Waiting {
  readonly id: string;
  readonly from: string;
  readonly cost: Units;
}

interface BucketState {
  readonly model: QuotaModel;
  readonly queue: Waiting[];
  lastSnapshotAt: number;
  /** This leader's grants not yet reported, by send id (what `maxInFlight` counts). */
  readonly inFlight: Map<number, SendRecord>;
  /**
   * A seeded bucket's first window is paced by the leader (see {@link Leader.#warmUp}): no grant
   * before `nextAt`, each one `spacingMs` per request after the last, until `until`.
   */
  warmUp: { readonly until: number; readonly spacingMs: number; nextAt: number } | undefined;
}

/** Recent grants kept for idempotency: a re-sent request gets its grant again, not a second token. */
const GRANT_MEMORY = 2048;
/**
 * A grant unreported this long is settled as an attempt without an answer: its tab closed or
 * crashed with the request in flight, and it has surely reached the server by now. Otherwise it
 * would count against `maxInFlight`, and as possibly uncounted by the server, for good.
 */
const IN_FLIGHT_EXPIRY_MS = 60_000;
/** Snapshots go out at most this often per bucket (plus on every pause or limit change). */
const SNAPSHOT_EVERY_MS = 100;

/**
 * The leader tab's half of the protocol: owns one {@link QuotaModel} per bucket, the way
 * `MemoryQuotaStore` does, and hands out tokens to every tab in one FIFO per bucket.
 *
 * Event-driven: every message serves the queue's head first, and refill comes from the model's
 * timestamps. The one timer it sets is a hint for a visible leader; a hidden leader's throttled
 * timer only delays what the waiters' own polls (at the `retryAt` each deny names) bring about.
 */
export class Leader {
  readonly #options: LeaderOptions;
  readonly #buckets = new Map<string, BucketState>();
  readonly #granted = new Map<string, ToTab>();
  readonly #electedAt: number;
  #lastDecisionAt: number;
  #verifying: ToLeader[] | undefined;
  #hint: TimerHandle | undefined;
  #hintAt = Infinity;
  #active = true;

  constructor(options: LeaderOptions) {
    this.#options = options;
    this.#electedAt = options.clock.now();
    this.#lastDecisionAt = this.#electedAt;
  }

  /** The epoch this leader grants under. */
  get epoch(): number {
    return this.#options.epoch;
  }

  /** False once stepped down. */
  get active(): boolean {
    return this.#active;
  }

  /** Handle a message addressed to the leader. */
  handle(message: ToLeader): void {
    if (!this.#active) return;
    if (this.#verifying !== undefined) {
      this.#verifying.push(message);
      return;
    }
    const now = this.#options.clock.now();
    if (now - this.#lastDecisionAt > this.#options.verifyAfterMs) {
      // A long silence may be a wedge or a freeze during which another tab stole the lock: check
      // before granting anything, holding the messages meanwhile.
      this.#verifying = [message];
      void this.#options.verify().then(
        (holds) => this.#verified(holds),
        () => this.#verified(false),
      );
      return;
    }
    this.#lastDecisionAt = now;
    this.#dispatch(message, now);
  }

  /** Every bucket's model, as of `now`. */
  snapshot(now: number): Map<string, ModelSnapshot> {
    const result = new Map<string, ModelSnapshot>();
    for (const [key, state] of this.#buckets) result.set(key, state.model.snapshot(now));
    return result;
  }

  /** Stop granting (stepped down or closing); clears the hint timer. */
  stop(): void {
    this.#active = false;
    this.#verifying = undefined;
    this.#clearHint();
  }

  #verified(holds: boolean): void {
    const held = this.#verifying ?? [];
    this.#verifying = undefined;
    if (!this.#active) return;
    if (!holds) {
      this.stop();
      this.#options.onDeposed();
      return;
    }
    const now = this.#options.clock.now();
    this.#lastDecisionAt = now;
    for (const message of held) this.handle(message);
    this.#serveAll(now);
  }

  #serveAll(now: number): void {
    for (const [key, state] of this.#buckets) if (state.queue.length > 0) this.#serve(key, state, now);
  }

  #dispatch(message: ToLeader, now: number): void {
    switch (message.type) {
      case 'req':
        this.#request(message, now);
        break;
      case 'report':
        this.#report(message, now);
        break;
      case 'cancel': {
        const state = this.#buckets.get(message.bucket);
        if (state === undefined) break;
        const index = state.queue.findIndex((waiting) => waiting.id === message.id);
        if (index >= 0) state.queue.splice(index, 1);
        this.#serve(message.bucket, state, now);
        break;
      }
    }
  }

  #request(message: RequestMessage, now: number): void {
    const again = this.#granted.get(message.id);
    if (again !== undefined) {
      this.#options.send(again);
      return;
    }
    const state = this.#bucket(message.bucket, message.defaults);
    if (!state.queue.some((waiting) => waiting.id === message.id)) {
      state.queue.push({ id: message.id, from: message.from, cost: message.cost });
    }
    const decision = this.#serve(message.bucket, state, now);
    if (!state.queue.some((waiting) => waiting.id === message.id)) return;
    this.#options.send({
      v: PROTOCOL_VERSION,
      from: this.#options.tabId,
      type: 'deny',
      to: message.from,
      id: message.id,
      epoch: this.#options.epoch,
      bucket: message.bucket,
      retryAt: decision?.retryAt,
      reason: decision?.reason ?? 'quota',
      queued: true,
    });
  }

  #report(message: ReportMessage, now: number): void {
    const state = this.#buckets.get(message.bucket);
    // A send another leader granted has another model's id: its report means nothing here.
    const ours = state !== undefined && message.epoch === this.#options.epoch;
    if (ours) state.inFlight.delete(message.send.id);
    const result = ours ? state.model.observe(message.send, message.observation) : {};
    this.#options.send({ v: PROTOCOL_VERSION, from: this.#options.tabId, type: 'ack', to: message.from, rid: message.rid, epoch: this.#options.epoch, result });
    if (state === undefined) return;
    const urgent = result.pausedUntil !== undefined || result.limitChanged === true;
    if (urgent || now - state.lastSnapshotAt >= SNAPSHOT_EVERY_MS) this.#broadcastSnapshot(message.bucket, state, now);
    this.#serve(message.bucket, state, now);
  }

  /** Grant to the head of the queue while the model admits; returns the refusal that stopped it. */
  #serve(bucket: string, state: BucketState, now: number): Exclude<TakeDecision, { ok: true }> | undefined {
    const settleUntil = this.#electedAt + this.#options.settleMs;
    const pausedUntil = this.#options.pausedUntil?.get(bucket);
    let refusal: Exclude<TakeDecision, { ok: true }> | undefined;
    if (now < settleUntil) refusal = { ok: false, retryAt: settleUntil, reason: 'response' };
    else if (pausedUntil !== undefined && now < pausedUntil) refusal = { ok: false, retryAt: pausedUntil, reason: 'paused' };
    else {
      this.#expire(state, now);
      const maxInFlight = this.#options.maxInFlight ?? Number.POSITIVE_INFINITY;
      for (let head = state.queue[0]; head !== undefined; head = state.queue[0]) {
        if (state.inFlight.size >= maxInFlight) {
          // A report frees a slot and serves the queue again (pushed grants): nothing to time.
          refusal = { ok: false, retryAt: undefined, reason: 'response' };
          break;
        }
        const warmUp = state.warmUp;
        if (warmUp !== undefined && now >= warmUp.until) state.warmUp = undefined;
        else if (warmUp !== undefined && now < warmUp.nextAt) {
          refusal = { ok: false, retryAt: Math.ceil(warmUp.nextAt), reason: 'quota' };
          break;
        }
        const decision = state.model.take(now, head.cost);
        if (!decision.ok) {
          refusal = decision;
          break;
        }
        state.queue.shift();
        state.inFlight.set(decision.send.id, decision.send);
        if (state.warmUp !== undefined) state.warmUp.nextAt = Math.max(now, state.warmUp.nextAt) + state.warmUp.spacingMs * (head.cost['requests'] ?? 1);
        this.#grant(bucket, head, decision.send);
      }
    }
    if (refusal !== undefined && state.queue.length > 0 && refusal.retryAt !== undefined) this.#armHint(refusal.retryAt, now);
    return refusal;
  }

  #expire(state: BucketState, now: number): void {
    for (const [id, send] of state.inFlight) {
      // Insertion order is grant order: the first young one ends the sweep.
      if (now - send.sentAt < IN_FLIGHT_EXPIRY_MS) break;
      state.inFlight.delete(id);
      state.model.observe(send, { now });
    }
  }

  #grant(bucket: string, waiting: Waiting, send: { readonly id: number; readonly sentAt: number; readonly cost: Units }): void {
    const message: ToTab = {
      v: PROTOCOL_VERSION,
      from: this.#options.tabId,
      type: 'grant',
      to: waiting.from,
      id: waiting.id,
      epoch: this.#options.epoch,
      bucket,
      send: { id: send.id, sentAt: send.sentAt, cost: send.cost },
    };
    this.#granted.set(waiting.id, message);
    if (this.#granted.size > GRANT_MEMORY) {
      const oldest = this.#granted.keys().next();
      if (oldest.done !== true) this.#granted.delete(oldest.value);
    }
    this.#options.send(message);
  }

  #broadcastSnapshot(bucket: string, state: BucketState, now: number): void {
    state.lastSnapshotAt = now;
    this.#options.send({ v: PROTOCOL_VERSION, from: this.#options.tabId, type: 'snap', epoch: this.#options.epoch, bucket, snapshot: state.model.snapshot(now) });
  }

  #bucket(bucket: string, defaults: QuotaModelOptions): BucketState {
    let state = this.#buckets.get(bucket);
    if (state === undefined) {
      const seed = this.#options.seed?.(bucket);
      state = { model: this.#seeded(defaults, seed), queue: [], lastSnapshotAt: -Infinity, inFlight: new Map(), warmUp: this.#warmUp(seed) };
      this.#buckets.set(bucket, state);
    }
    return state;
  }

  /**
   * A new leader takes over a backlog: every tab's loops wait at once, and a model seeded with
   * the old limit (configured, until the server's headers re-sync it) paces nothing, so it let a
   * window's worth out within ~100 ms. Those requests queued for the browser's connections
   * (6 per host over HTTP/1.1, shared by all tabs) and reached the server up to 250 ms late and
   * out of order, and the first window overshot by 1-3 (the long-task 429s). For its first
   * window after the settle, the leader itself spaces grants evenly at the old rate, as the
   * old leader's model did, while the new model learns the round trips.
   */
  #warmUp(seed: BucketSeed | undefined): BucketState['warmUp'] {
    if (seed === undefined || !(seed.limit > 0) || !(seed.windowMs > 0)) return undefined;
    const start = this.#electedAt + this.#options.settleMs;
    return { until: start + seed.windowMs, spacingMs: seed.windowMs / seed.limit, nextAt: start };
  }

  /**
   * A model that starts where the previous leader's stopped: its limit and window as if
   * configured (the server's next headers take over), its last window's grants replayed as sends
   * already answered, so this leader does not hand out a second window's worth at once.
   */
  #seeded(defaults: QuotaModelOptions, seed: BucketSeed | undefined): QuotaModel {
    if (seed === undefined) return new QuotaModel(defaults);
    const model = new QuotaModel({ ...defaults, limit: seed.limit, windowMs: seed.windowMs });
    for (const grant of seed.grants) {
      const decision = model.take(grant.sentAt, grant.cost);
      if (decision.ok) model.observe(decision.send, { now: grant.sentAt });
    }
    return model;
  }

  #armHint(at: number, now: number): void {
    if (this.#hint !== undefined && this.#hintAt <= at) return;
    this.#clearHint();
    this.#hintAt = at;
    this.#hint = this.#options.clock.setTimeout(() => {
      this.#hint = undefined;
      this.#hintAt = Infinity;
      if (!this.#active || this.#verifying !== undefined) return;
      const time = this.#options.clock.now();
      if (time - this.#lastDecisionAt > this.#options.verifyAfterMs) {
        // Silent for long (a settle window, a wedge): check the lock is still ours first, then
        // serve. Waiting for the next message instead stalled waiters that had nothing to send.
        this.#verifying = [];
        void this.#options.verify().then(
          (holds) => this.#verified(holds),
          () => this.#verified(false),
        );
        return;
      }
      this.#lastDecisionAt = time;
      this.#serveAll(time);
    }, Math.max(0, at - now));
  }

  #clearHint(): void {
    if (this.#hint !== undefined) this.#options.clock.clearTimeout(this.#hint);
    this.#hint = undefined;
    this.#hintAt = Infinity;
  }
}
