import type { RateLimitPolicy, ResetSemantics } from '../headers/types.ts';
import { type Interval } from './interval.ts';
import { RefillEstimator } from './refill-estimator.ts';
import { ReturnLedger } from './return-ledger.ts';
import { RttTracker } from './rtt.ts';
import type { LoggedSend, SendLog } from './send-log.ts';
import { WindowInference } from './window-inference.ts';

/** A paced policy lets this share of its limit out at once. */
const BURST_SHARE = 0.05;
/**
 * While the window is inferred, confirmed room is spread until this share of the reset's uncertainty
 * before its latest instant (a quarter of the two seconds an epoch reset may be off by; measured
 * in the simulation against 0 and a half).
 */
const SPREAD_AIM = 0.25;
/**
 * The longest a confirmed room is spread over while the window is inferred. A reset a second
 * or more away (whole seconds) would spread it over most of a window a sliding log frees as fast
 * as it was spent. Simulated (`test/bucket/sim/report.ts`): no cap 0.95, 600 ms 0.97, 500 ms 0.98
 * on 1 s sliding logs with epoch resets; 400 ms and below starve the inference on some seeds.
 */
const SPREAD_MAX_MS = 500;

/** Units of confirmed room held back for evidence while a window is learned, at most... */
const EVIDENCE_RESERVE = 3;
/**
 * ...and this share of the limit, rounded down: none below 34. A unit held back from a limit of 10
 * made a dashboard's poll wait half a second for its token now and then, which read as a quota
 * that binds and stretched the pollers 2.7x (real Chromium, issue 7's 4-URL test).
 */
const EVIDENCE_RESERVE_SHARE = 0.03;

/**
 * The freshest server view of one policy, by send order: the response to the latest-sent
 * request that reported this policy. Every later send is spent on top of it.
 */
export interface SyncPoint {
  readonly sendId: number;
  readonly sentAt: number;
  /** How late after `sentAt` the request may have reached the server, ms. */
  readonly spread: number;
  readonly receivedAt: number;
  readonly limit: number;
  readonly remaining: number;
  /** Latest instant the reported reset may be, epoch ms. */
  readonly resetAt: number | undefined;
  /** How uncertain `resetAt` is (it lies in `(resetAt - precision, resetAt]`), ms. */
  readonly resetPrecisionMs: number;
  /** Older sends the server may not have counted yet (in flight, or answered out of order). */
  readonly uncertainCost: number;
  /**
   * What `spent` subtracts for older sends. While an unstated window is being learned: every older
   * send not answered before this one went (`uncertainCost` judges arrival order by round trips,
   * which a loaded event loop or a burst opening new connections breaks, and a 429 there costs a
   * one-second pause and restarts the inference). Once the window is stated or settled:
   * `uncertainCost`, which keeps a few more units of each window usable (with a browser's six
   * connections, 0.89 -> 0.87 of a sliding log in the simulation when strict throughout).
   */
  readonly unsureCost: number;
}

/** Whole-second resets and coarser. */
const WHOLE_SECOND_MS = 1000;

/**
 * How far before `resetAt` the true reset may lie. A whole-second window reset is rounded up by
 * the server and then placed on the caller's clock from the response: a delta from the moment the
 * response arrived (later than the server computed it), an epoch second through a clock skew that
 * is itself only known to within the `Date` header's whole seconds until many responses pin it.
 * Trusting the bare 1 s fed the window inference false lower bounds (it drifted, emptied its
 * hypotheses, and stalled), so such resets get a second more. Refill semantics (OpenAI,
 * Anthropic) come as ms durations and keep their precision.
 */
function effectivePrecision(precisionMs: number, semantics: ResetSemantics | undefined): number {
  if (semantics === 'refill' || precisionMs < WHOLE_SECOND_MS) return precisionMs;
  return precisionMs + WHOLE_SECOND_MS;
}

/** What the policy allows now. */
export interface Allowance {
  /** Units that may be spent now (may be negative). */
  readonly available: number;
  /** When the policy allows `need` units, or undefined when only a response can tell. */
  readonly at: number | undefined;
}

/** The state of one policy (one quota the server reports), shared machinery for every kind. */
export class PolicyState {
  readonly key: string;
  readonly name: string;
  readonly unit: string;
  limit: number;
  /** The server stated `limit` (not just inferred it from the largest `remaining` seen). */
  limitStated = false;
  semantics: ResetSemantics | undefined;
  /** The window the server (or the user) stated, ms. */
  statedWindowMs: number | undefined;
  sync: SyncPoint | undefined;
  readonly #refill = new RefillEstimator();
  readonly #inference = new WindowInference();
  /** Under refill semantics, when each answered send's units are surely back (its own time to full). */
  readonly #returns = new ReturnLedger();
  /**
   * The response to the latest-sent request that reported this policy, adopted as `sync` or not.
   * Probes go on its reset: a probe's own answer is the freshest news even when an older view,
   * allowing more, stays the sync point (otherwise the probe would be spent for good and the
   * policy stall once the mirror cannot prove the older view's held units gone).
   */
  #freshest: { readonly sendId: number; readonly receivedAt: number; readonly resetAt: number | undefined; readonly remaining: number } | undefined;
  /**
   * Under refill semantics, the response that put "full again" latest. Responses to a burst come
   * back out of order: the freshest by send order may have reached the server before an older
   * send that drained the bucket further, so its reset is too early for a probe.
   */
  #latestFull: { readonly sendId: number; readonly receivedAt: number; readonly resetAt: number } | undefined;
  /** The `#freshest` response a probe was last let out on (one probe per reset). */
  #probeForSync = -1;
  /** The longest window bound known before the last limit change (inference restarts then). */
  #priorWindowHigh: number | undefined;
  /** The finest reset precision this policy has shown, ms. */
  #finestPrecision = Number.POSITIVE_INFINITY;
  /** Probes sent since the window inference (re)started while it was not settled: spreads that taught it too little. */
  #probesWhileInferring = 0;
  /** Theoretical arrival time of the pace (GCRA). */
  #paceTat = -Infinity;

  constructor(key: string, name: string, unit: string, limit: number) {
    this.key = key;
    this.name = name;
    this.unit = unit;
    this.limit = limit;
  }

  /** True when the quota comes back as a trickle (token bucket), so credit is time-based. */
  get refills(): boolean {
    // 'refill' semantics (OpenAI, Anthropic) is the dialect's word, not proof: a sliding log can
    // speak it too, and after a burst it frees nothing for a whole window. Credit trickles only
    // while the responses agree with a bucket; otherwise the mirror (safe for every kind) runs
    // with the learned refill time as the window.
    if (this.semantics === 'refill') return this.#refill.looksLikeBucket;
    return this.statedWindowMs === undefined && this.#inference.onlyBucket;
  }

  /** The window the model paces with: `low < W <= high`. */
  window(): Interval {
    if (this.statedWindowMs !== undefined) return { low: this.statedWindowMs * 0.999, high: this.statedWindowMs };
    if (this.semantics === 'refill') return this.#refill.range;
    return this.#inference.range;
  }

  /**
   * Room the freshest response confirmed that is still unspent: the server's remaining less every
   * send it may not have counted. Spending it is always safe, whatever kind of server this is.
   */
  confirmedRoom(now: number, log: SendLog, rtt: RttTracker): number {
    const sync = this.sync;
    if (sync === undefined) return 0;
    const spent = log.sumRange(sync.sendId + 1, log.lastId, this.unit) + sync.unsureCost;
    return sync.remaining + this.#returned(now, sync, this.#returnScope(now, sync, log, rtt)) - spent;
  }

  /**
   * Which of the return ledger's sends count for the sync point now (refill semantics): our most
   * recent `limit - remaining` units through it (plus the uncertain ones), credited no faster than
   * the fastest refill; undefined when the ledger offers nothing (see `#returnsUsable`).
   */
  #returnScope(now: number, sync: SyncPoint, log: SendLog, rtt: RttTracker): { readonly fromId: number; readonly maxRate: number } | undefined {
    if (this.semantics !== 'refill' || !this.#returnsUsable(now, sync, log, rtt)) return undefined;
    const high = this.#refill.range.high;
    return { fromId: this.#firstHeld(sync, log), maxRate: Number.isFinite(high) && high > 0 ? this.limit / high : 0 };
  }

  /** Units in `scope` that their own responses say are back by `now`, and not surely back at the sync point's answer. */
  #returned(now: number, sync: SyncPoint, scope: { readonly fromId: number; readonly maxRate: number } | undefined): number {
    return scope === undefined ? 0 : this.#returns.returned(now, sync.receivedAt, scope.fromId, sync.sendId, scope.maxRate);
  }

  /** The first send the sync point's view may hold: the server holds `limit - remaining` units, at most our most recent that many. */
  #firstHeld(sync: SyncPoint, log: SendLog): number {
    const held = this.limit - sync.remaining + sync.uncertainCost;
    const target = log.totalThrough(sync.sendId, this.unit) - held;
    const lastUnheld = target > 0 ? log.firstIdReaching(log.firstId, target, this.unit) : undefined;
    return lastUnheld === undefined ? log.firstId : lastUnheld + 1;
  }

  /**
   * Returned units are a forecast made at the sync point: the server may have lowered its limit
   * since. Spent while the news is fresh (within the largest recent round trip), or one send at a
   * time after a quiet spell, whose answer re-syncs before the rest go (a fixed window's whole
   * limit at its edge would otherwise meet a limit lowered while we waited).
   */
  #returnsUsable(now: number, sync: SyncPoint, log: SendLog, rtt: RttTracker): boolean {
    if (now - sync.receivedAt <= rtt.hold) return true;
    for (const pending of log.inFlight()) if (pending.id > sync.sendId) return false;
    return true;
  }

  /**
   * Room the server confirmed goes at once, not by the pace, when the pace has nothing left to
   * learn: under refill semantics, or once an unstated window is inferred and settled. A sliding
   * log frees a burst's slots as fast as the burst went; pacing at limit/window then leaves them
   * unused for a window (unstated 1 s sliding logs: 94 % -> 96 % epoch, 88 % -> 98 % delta resets
   * in the simulation). A stated window keeps the pace: it follows a lowered limit better.
   */
  get spendsConfirmedRoomAtOnce(): boolean {
    if (this.semantics === 'refill') return true;
    // A fixed window frees everything at its edge: its room is best spent at once even while the
    // window's length is still open (the edges it shows narrow it).
    return this.statedWindowMs === undefined && (this.#inference.settled || this.#inference.onlyFixed);
  }

  /** Drop the learned refill time and inferred window (a 429 said they were wrong); the next responses learn them again. */
  forgetLearnedTiming(): void {
    this.#refill.reset();
    // An inferred window that let a 429 through was wrong (or the server changed): learn it again.
    if (this.statedWindowMs === undefined && this.semantics !== 'refill') this.#restartInference();
  }

  /** Starts the window inference over (a 429, a limit change): what it learned no longer holds. */
  #restartInference(): void {
    this.#inference.reset();
    this.#probesWhileInferring = 0;
  }

  /** Inference details for snapshots and tests. */
  get inference(): WindowInference {
    return this.#inference;
  }

  /**
   * Takes one response's view of this policy. Only a response to a later-sent request than the
   * current sync point re-syncs (the freshest by send order); older ones still feed inference.
   * @returns true when the limit changed.
   */
  update(policy: RateLimitPolicy, send: LoggedSend, receivedAt: number, log: SendLog, rtt: RttTracker): boolean {
    let limitChanged = false;
    if (policy.limit !== undefined && policy.limit > 0) this.limitStated = true;
    if (policy.limit !== undefined && policy.limit > 0 && policy.limit !== this.limit) {
      limitChanged = true;
      this.limit = policy.limit;
      // Servers change the limit, rarely the window: the window known so far still bounds the
      // larger probes while inference starts over (observations of two limits do not mix).
      const high = this.window().high;
      if (Number.isFinite(high)) this.#priorWindowHigh = high;
      this.#refill.reset();
      this.#restartInference();
    }
    if (policy.semantics !== undefined) this.semantics = policy.semantics;
    if (policy.windowMs !== undefined && policy.windowMs > 0) this.statedWindowMs = policy.windowMs;
    const remaining = policy.remaining;
    if (remaining === undefined) return limitChanged;
    // A refill policy accrues credit from the sync's arrival at the server: that arrival must be
    // its latest possible time (the whole RTT may be the forward leg), or the model credits a
    // refill the server has not yet given (a 429 just after the first full bucket is spent).
    const spread = this.semantics === 'refill' ? (send.rtt ?? rtt.hold) + RttTracker.slackMs : rtt.arrivalSpread(send.rtt);
    // A reset written without trailing zeros (Go durations `1s` next to `987ms`, decimal seconds)
    // is as precise as the finest this policy has shown: `1s` from a server that also says
    // `1.05s` is a whole second exactly, not a rounded one.
    this.#finestPrecision = Math.min(this.#finestPrecision, policy.resetPrecisionMs ?? 1);
    const precision = effectivePrecision(Math.min(policy.resetPrecisionMs ?? 1, this.#finestPrecision), this.semantics);
    if (policy.resetAt !== undefined && this.semantics === 'refill') {
      this.#refill.observe(this.limit, remaining, policy.resetAt, precision, send.sentAt, receivedAt);
      if (send.status !== 429) this.#returns.record(send.id, policy.resetAt, send.cost[this.unit] ?? 0);
    }
    if (this.statedWindowMs === undefined && this.semantics !== 'refill') {
      this.#inference.observe(
        { sendId: send.id, sentAt: send.sentAt, spread, receivedAt, limit: this.limit, remaining, resetAt: policy.resetAt, precisionMs: precision },
        log,
        rtt,
      );
    }
    if (this.#freshest === undefined || send.id > this.#freshest.sendId) {
      this.#freshest = { sendId: send.id, receivedAt, resetAt: policy.resetAt, remaining: Math.max(0, remaining) };
    }
    if (this.semantics === 'refill' && policy.resetAt !== undefined && (this.#latestFull === undefined || policy.resetAt > this.#latestFull.resetAt)) {
      this.#latestFull = { sendId: send.id, receivedAt, resetAt: policy.resetAt };
    }
    const pending = this.#inFlightBefore(send, log);
    const uncertainCost = pending + this.#answeredLateBySpread(send, log, rtt);
    const candidate: SyncPoint = {
      sendId: send.id,
      sentAt: send.sentAt,
      spread,
      receivedAt,
      limit: this.limit,
      remaining: Math.max(0, remaining),
      resetAt: policy.resetAt,
      resetPrecisionMs: precision,
      uncertainCost,
      unsureCost: this.learningWindow ? pending + this.#answeredAfterSend(send, log, rtt) : uncertainCost,
    };
    const current = this.sync;
    if (current !== undefined && send.id < current.sendId && (send.sentAt + spread <= current.sentAt || candidate.remaining > current.remaining)) {
      // An older send (the freshest is by send order): surely handled before the current sync
      // point, or reporting more room than it (a window reset between the two, or stale news
      // while other clients spend): not a candidate.
      return limitChanged;
    }
    // A token bucket's (refill semantics: OpenAI, Anthropic) newer response that saw every earlier
    // send of ours (none uncertain) is the server's whole truth: adopt it even when it allows less
    // than our view, so estimated costs (LLM tokens the server counts its own way) and other
    // clients' spending are corrected instead of accumulated. Windows keep the rule below: their
    // credit for aged-out sends makes an older view legitimately roomier.
    const complete = this.semantics === 'refill' && candidate.uncertainCost === 0;
    if (current === undefined || (send.id > current.sendId && (limitChanged || complete))) {
      this.sync = candidate;
      this.#returns.dropBackBy(candidate.receivedAt);
      return limitChanged;
    }
    // Every response's view, minus what it may not have counted, is a safe bound: keep the one
    // that allows most. Usually the freshest by send order; after a burst answered out of order,
    // the response the server handled last (the lowest remaining) saw all of the burst.
    const viaCurrent = this.allowance(receivedAt, 0, log, rtt).available;
    this.sync = candidate;
    const viaCandidate = this.allowance(receivedAt, 0, log, rtt).available;
    if (viaCandidate < viaCurrent || (viaCandidate === viaCurrent && send.id < current.sendId)) this.sync = current;
    this.#returns.dropBackBy(this.sync.receivedAt);
    return limitChanged;
  }

  /** Older sends still in flight when `send` was answered: the server may not have counted them. */
  #inFlightBefore(send: LoggedSend, log: SendLog): number {
    let cost = 0;
    for (const pending of log.inFlight()) {
      if (pending.id < send.id) cost += pending.cost[this.unit] ?? 0;
    }
    return cost;
  }

  /**
   * Older answered sends possibly reaching the server after `send` did, judged by round trips
   * (`uncertainCost`). Few: only sends within one arrival spread qualify.
   */
  #answeredLateBySpread(send: LoggedSend, log: SendLog, rtt: RttTracker): number {
    let cost = 0;
    const from = log.firstIdSentAfter(send.sentAt - rtt.spread - 1);
    for (const earlier of log.range(from, send.id - 1)) {
      if (!earlier.settled) continue;
      if (earlier.sentAt + rtt.arrivalSpread(earlier.rtt) > send.sentAt) cost += earlier.cost[this.unit] ?? 0;
    }
    return cost;
  }

  /** True while an unstated window is being inferred (no refill semantics, not settled). */
  get learningWindow(): boolean {
    return this.statedWindowMs === undefined && this.semantics !== 'refill' && !this.#inference.settled;
  }

  /**
   * Older settled sends not answered before `send` went (failed, or answered after): the server
   * may have counted them after it (`unsureCost`, with the ones in flight). Looked for among the
   * sends of the last two holds (the largest recent round trip) before it.
   */
  #answeredAfterSend(send: LoggedSend, log: SendLog, rtt: RttTracker): number {
    let cost = 0;
    for (const earlier of log.range(log.firstIdSentAfter(send.sentAt - 2 * rtt.hold - 1), send.id - 1)) {
      if (earlier.settled && (earlier.rtt === undefined || earlier.sentAt + earlier.rtt > send.sentAt)) cost += earlier.cost[this.unit] ?? 0;
    }
    return cost;
  }

  /**
   * Units this policy allows now and when it allows `need`. The server's remaining wins; the log
   * only removes what the server has not counted yet and adds back what surely left its window.
   * While an unstated window is learned, the last few units of confirmed room are held back for
   * evidence (see `#evidenceReserve`).
   */
  allowance(now: number, need: number, log: SendLog, rtt: RttTracker): Allowance {
    const allowance = this.#allowance(now, need, log, rtt);
    if (need <= 0) return allowance;
    const reserve = this.#evidenceReserve(now, log, rtt);
    if (reserve === undefined) return allowance;
    const available = allowance.available - reserve.held;
    if (available >= need) return { available, at: now };
    return allowance.available >= need ? { available, at: reserve.nextAt } : { available, at: allowance.at };
  }

  /**
   * Units held back now, and when the next is let go. A window spent before its first units can
   * come back shows nothing: the last units of a spread went out just before a 0.5 s sliding log
   * freed its first ones, and the model waited for the whole-second reset (bench: a third of the
   * run idle). Held back, they go one by one after the oldest send the server may hold, at
   * SPREAD_MAX_MS, 1.5x and 2x that (plus the fastest round trip): each answer shows whether units
   * came back by then. Confirmed room either way; only while the window is being learned.
   */
  #evidenceReserve(now: number, log: SendLog, rtt: RttTracker): { readonly held: number; readonly nextAt: number } | undefined {
    const sync = this.sync;
    if (sync === undefined || !this.learningWindow || this.refills) return undefined;
    const size = Math.min(EVIDENCE_RESERVE, Math.floor(this.limit * EVIDENCE_RESERVE_SHARE));
    if (size <= 0) return undefined;
    const anchor = log.get(this.#firstHeld(sync, log))?.sentAt;
    if (anchor === undefined) return undefined;
    let held = 0;
    let nextAt = Infinity;
    for (let index = 0; index < size; index++) {
      const releaseAt = anchor + SPREAD_MAX_MS * (1 + index / 2) + rtt.min;
      if (releaseAt > now) {
        held++;
        nextAt = Math.min(nextAt, releaseAt);
      }
    }
    return held === 0 ? undefined : { held, nextAt };
  }

  #allowance(now: number, need: number, log: SendLog, rtt: RttTracker): Allowance {
    const sync = this.sync;
    if (sync === undefined) return { available: 0, at: undefined };
    const limit = this.limit;
    const sentSince = log.sumRange(sync.sendId + 1, log.lastId, this.unit);
    const spent = sentSince + sync.unsureCost;
    const origin = sync.sentAt + sync.spread;
    const window = this.window();
    if (this.refills) {
      const rate = Number.isFinite(window.high) ? limit / window.high : 0;
      const available = Math.min(limit, sync.remaining + rate * Math.max(0, now - origin)) - spent;
      if (available >= need) return { available, at: now };
      const short = need + spent - sync.remaining;
      const at = rate > 0 && need + spent <= limit ? origin + short / rate : undefined;
      return { available, at };
    }
    if (!Number.isFinite(window.high)) {
      return { available: sync.remaining - spent, at: undefined };
    }
    // Mirror of the server's window: a send surely counted by the sync response (inside the
    // window at its arrival, judged with the shortest plausible window) and surely gone by now
    // (judged with the longest) is credit.
    let firstCounted = log.firstIdSentAfter(origin - window.low);
    if (sync.remaining > 0) {
      // The server holds limit - remaining units: at most our most recent that many (plus the
      // uncertain ones, which may not be among them). Older sends of ours inside the window were
      // not counted (a fixed window's edge passed, or the bucket refilled): no credit for them.
      const held = limit - sync.remaining + sync.uncertainCost;
      const target = log.totalThrough(sync.sendId, this.unit) - held;
      const lastUncounted = target > 0 ? log.firstIdReaching(log.firstId, target, this.unit) : undefined;
      if (lastUncounted !== undefined) firstCounted = Math.max(firstCounted, lastUncounted + 1);
    }
    // Gone: sent a hold (the largest recent RTT) before the window, or answered before it.
    const lastGone = log.lastAnsweredBy(log.firstIdSentAfter(now - window.high - rtt.hold) - 1, now - window.high - RttTracker.slackMs);
    const creditUncapped = log.sumRange(firstCounted, lastGone, this.unit) - log.rejectedInRange(firstCounted, lastGone, this.unit);
    // A token bucket refills at limit/window at most: capping credit there keeps the mirror safe
    // whatever kind of server this is.
    const rate = limit / window.high;
    const cap = this.#inference.excludesBucket && this.statedWindowMs === undefined ? Infinity : rate * Math.max(0, now - origin);
    const credit = Math.min(creditUncapped, cap);
    // remaining 0 says "at least the limit is counted": after a limit drop our own sends still in
    // the window may count more than the new limit, and they must leave before room appears.
    let base = sync.remaining;
    // (Refill semantics credit only our most recent `limit - remaining` units, below: no guard needed.)
    if (base === 0 && this.semantics !== 'refill') {
      const possiblyCounted = log.sumRange(log.firstIdSentAfter(sync.sentAt - window.high - rtt.spread), sync.sendId, this.unit);
      base = Math.min(0, limit - possiblyCounted);
    }
    const scope = this.#returnScope(now, sync, log, rtt);
    const returned = this.#returned(now, sync, scope);
    const available = base + credit + returned - spent;
    if (available >= need) return { available, at: now };
    const returnedAt = scope === undefined ? undefined : this.#returns.backAt(now, sync.receivedAt, scope.fromId, sync.sendId, scope.maxRate, need - available);
    const missing = need - returned - (base - spent);
    // The earliest time enough counted sends have aged out...
    const target = log.totalThrough(firstCounted - 1, this.unit) + missing;
    const lastId = log.firstIdReaching(Math.max(firstCounted, lastGone + 1), target, this.unit);
    if (lastId === undefined) return { available, at: returnedAt };
    const agedAt = leftWindowAt(log, lastGone + 1, lastId, rtt) + window.high;
    // ...and the refill cap allows that much (or the ledger says enough is back before).
    const cappedAt = Number.isFinite(cap) ? origin + missing / rate : now;
    const mirrorAt = Math.max(agedAt, cappedAt);
    return { available, at: returnedAt === undefined ? mirrorAt : Math.min(returnedAt, mirrorAt) };
  }

  /**
   * The smoothing pace: even sends at limit/window with a burst of a twentieth of the limit
   * (GCRA). The mirror alone would release a whole window's worth at once when a burst ages out;
   * paced sends keep few requests in flight, so a lowered limit costs few 429s, and they spread
   * the evidence the window inference needs.
   * @returns when `need` units may go by the pace (now or later).
   */
  paceAt(now: number, need: number): number {
    const rate = this.#paceRate();
    if (rate === undefined) return now;
    const tolerance = Math.max(0, Math.ceil(this.limit * BURST_SHARE) - 1) / rate;
    return Math.max(now, this.#paceTat - tolerance);
  }

  /** Books an admitted send on the pace. */
  paced(now: number, need: number): void {
    const rate = this.#paceRate();
    if (rate === undefined) return;
    this.#paceTat = Math.max(this.#paceTat, now) + need / rate;
  }

  #paceRate(): number | undefined {
    const high = this.window().high;
    const rate = Number.isFinite(high) && high > 0 ? this.limit / high : undefined;
    const sync = this.sync;
    if (this.statedWindowMs !== undefined || this.semantics === 'refill' || this.#inference.settled || sync === undefined) return rate;
    // While the window is being inferred, spread the confirmed room until the reset instead of
    // spending it at once: sends spread in time age out one by one, which tells a sliding log
    // or a bucket from a fixed window within about one window.
    if (sync.resetAt === undefined) return rate;
    // Aim at the middle of the reset's uncertainty (the end of it wastes a rounded-up second), or
    // at its end once the middle has passed: spending all at once there would leave nothing in
    // flight to see the first units come back.
    const middle = sync.resetAt - sync.resetPrecisionMs * SPREAD_AIM - sync.receivedAt;
    // After a probe (the last spread ended before the inference settled), spread over the whole
    // SPREAD_MAX_MS even when the reset is nearer: a spread squeezed before a whole-second reset
    // fits inside a 0.5 s sliding log and never shows a unit coming back, so fixed and sliding
    // stay tied and every window ends in a wait for the reset (simulated 0.5 s sliding logs,
    // epoch resets: 0.59 -> 0.93 of the limit; 1.5 s runs 0.67 -> 0.82).
    const until = this.#probesWhileInferring > 0 ? SPREAD_MAX_MS : Math.min(SPREAD_MAX_MS, middle > 0 ? middle : sync.resetAt - sync.receivedAt);
    if (until <= 0) return rate;
    // The freshest response's remaining, not the sync point's: the sync point is whichever view
    // allows most, often an older response with more room on paper and more spent since, and
    // spreading that faster used the room up before the first units could come back (no evidence,
    // a wait for the reset; bench 0.5 s windows 36-80 % -> 75-85 %).
    const spread = Math.max(1, this.#freshest?.remaining ?? sync.remaining) / until;
    return rate === undefined ? spread : Math.max(rate, spread);
  }

  /**
   * A probe is always safe once the latest possible reset reported by the freshest response has
   * passed with nothing in flight: the server has made quota available again.
   * @returns the time the probe may go, or undefined when this policy offers none.
   */
  probeAt(log: SendLog, need: number, rtt: RttTracker): number | undefined {
    const fresh = this.#freshest;
    if (this.sync === undefined || fresh === undefined || this.#probeForSync === fresh.sendId) return undefined;
    const resetProbe = this.#resetProbeAt(fresh, log, rtt);
    if (this.semantics === 'refill') {
      const full = this.#latestFull;
      if (resetProbe === undefined || full === undefined || full.sendId === fresh.sendId) return resetProbe;
      const fullProbe = this.#resetProbeAt(full, log, rtt);
      return fullProbe === undefined ? undefined : Math.max(resetProbe, fullProbe);
    }
    if (resetProbe === undefined) return resetProbe;
    // A window's reset surely frees one unit only (a sliding log frees its oldest send), and
    // sends after the freshest response (attempts that failed without one) may have reached the
    // server: a larger probe, or one after such sends, waits until every send of ours has surely
    // left the longest plausible window (a cost equal to the limit otherwise meets a 429).
    const later = log.sumRange(fresh.sendId + 1, log.lastId, this.unit);
    if (need <= 1 && later <= 0) return resetProbe;
    const lastSentAt = log.get(log.lastId)?.sentAt;
    if (lastSentAt === undefined) return resetProbe;
    const inferred = this.window().high;
    const high = Number.isFinite(inferred) ? inferred : this.#priorWindowHigh;
    if (high !== undefined) return Math.max(resetProbe, lastSentAt + high + rtt.hold);
    // No bound on the window yet: wait, from our last send, the longer of the delay the server
    // last stated and the longest window a sliding log could have (below).
    const stated = Math.max(WHOLE_SECOND_MS, (fresh.resetAt ?? 0) - fresh.receivedAt);
    const sliding = this.#slidingWindowBound(fresh, log) ?? 0;
    return Math.max(resetProbe, lastSentAt + Math.max(stated, sliding) + rtt.hold);
  }

  /**
   * The longest window a sliding log can have, by the freshest response: its reset is when the
   * oldest unit it holds leaves, and it holds our most recent `limit - remaining` units (fewer of
   * ours when others spend too, which only makes this bound longer). A fixed window frees
   * everything at its reset and a bucket refills: neither needs more.
   */
  #slidingWindowBound(fresh: { readonly sendId: number; readonly resetAt: number | undefined; readonly remaining: number }, log: SendLog): number | undefined {
    const held = this.limit - fresh.remaining;
    if (fresh.resetAt === undefined || held <= 0) return undefined;
    const target = log.totalThrough(fresh.sendId, this.unit) - held;
    const lastUnheld = target > 0 ? log.firstIdReaching(log.firstId, target, this.unit) : log.firstId - 1;
    const oldest = lastUnheld === undefined ? undefined : log.get(lastUnheld + 1);
    return oldest === undefined ? undefined : fresh.resetAt - oldest.sentAt;
  }

  /**
   * An attempt that ended without a response tells nothing: when it went after the freshest
   * response (the probe, most likely), offer the probe again, or nothing would ever re-sync.
   * `probeAt` keeps it conservative: the attempt may have reached the server.
   */
  attemptFailed(send: LoggedSend): void {
    if (this.#freshest !== undefined && send.id > this.#freshest.sendId && this.#probeForSync === this.#freshest.sendId) this.#probeForSync = -1;
  }

  /** When the reset reported by `sync` (the freshest response) has surely passed. */
  #resetProbeAt(sync: Pick<SyncPoint, 'sendId' | 'receivedAt' | 'resetAt'>, log: SendLog, rtt: RttTracker): number | undefined {
    // A refill reset is the time until full as of that response: sends after it drain the bucket
    // further, so full comes that much later (at the learned refill rate), counted from the last
    // of them to arrive when that is later. A window reset holds whatever was sent before it.
    if (this.semantics === 'refill' && sync.resetAt !== undefined) {
      const later = log.sumRange(sync.sendId + 1, log.lastId, this.unit);
      if (later > 0) {
        const high = this.#refill.range.high;
        const lastArrival = leftWindowAt(log, sync.sendId + 1, log.lastId, rtt);
        const from = Math.max(sync.resetAt, sync.receivedAt, lastArrival);
        if (Number.isFinite(high)) return from + (later * high) / this.limit;
        // No refill rate learned yet (an attempt after the response failed before a second one
        // came): each later unit may take as long to come back as the whole stated reset, at
        // least a second. Slow, but a probe that never comes would stall the bucket for good.
        return from + later * Math.max(WHOLE_SECOND_MS, sync.resetAt - sync.receivedAt);
      }
    }
    if (sync.resetAt !== undefined && sync.resetAt > sync.receivedAt) {
      // A fixed window whose edges were seen: the next edge may come well before a rounded reset.
      const edge = this.statedWindowMs === undefined ? this.#inference.latestEdgeAfter(sync.receivedAt) : undefined;
      return edge === undefined ? sync.resetAt : Math.min(sync.resetAt, edge);
    }
    // A reset already past when reported (clock skew), or none: back off one second.
    return sync.receivedAt + 1000;
  }

  /** Remembers that the probe on the current sync point went out. */
  markProbe(): void {
    if (this.statedWindowMs === undefined && this.semantics !== 'refill' && !this.#inference.settled) this.#probesWhileInferring++;
    if (this.#freshest !== undefined) this.#probeForSync = this.#freshest.sendId;
  }
}

/**
 * The time by which sends `fromId..toId` have all surely reached the server (a window later they
 * are gone): each one's answer time when it was answered, its send time plus the hold otherwise.
 */
function leftWindowAt(log: SendLog, fromId: number, toId: number, rtt: RttTracker): number {
  const last = log.get(toId)?.sentAt ?? Infinity;
  if (toId - fromId > 64) return last + rtt.hold;
  let latest = -Infinity;
  for (const send of log.range(fromId, toId)) {
    latest = Math.max(latest, send.rtt === undefined ? send.sentAt + rtt.hold : send.sentAt + send.rtt + RttTracker.slackMs);
  }
  return Number.isFinite(latest) ? latest : last + rtt.hold;
}
