import type { RateLimitPolicy } from '../headers/types.ts';
import { LimitEstimator } from './limit-estimator.ts';
import { PolicyState, type Allowance } from './policy-state.ts';
import { RttTracker } from './rtt.ts';
import { SendLog } from './send-log.ts';
import type {
  ModelSnapshot,
  Observation,
  ObserveResult,
  PolicySnapshot,
  QuotaModelOptions,
  QuotaSource,
  SendRecord,
  TakeDecision,
  Units,
} from './types.ts';

const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;
/** The shortest pause a 429 imposes: `Retry-After: 0` from a limiter is not an invitation. */
const MIN_429_PAUSE_MS = 1000;
/** With nothing in flight and nothing known to wait for, try again after this long. */
const IDLE_PROBE_MS = 1000;
/** Sends kept in the log at least, and at most per unit of the largest limit. */
const LOG_MIN_KEEP = 64;
const LOG_CAP_PER_LIMIT = 4;
const LOG_MIN_CAP = 4096;

type PauseProbe = { readonly state: 'none' } | { readonly state: 'due' } | { readonly state: 'out'; readonly id: number };

/**
 * The quota model of one bucket: decides whether a request may go now, learning the server's
 * limit from its responses. It mirrors the server's window with a log of its own admitted sends,
 * re-synced to the freshest `remaining` (see pacing.md). Pure: the clock is the `now` argument.
 */
export class QuotaModel {
  readonly #initialConcurrency: number;
  readonly #maxRetryAfterMs: number;
  readonly #configured: { readonly limit: number; readonly windowMs: number } | undefined;
  readonly #log = new SendLog();
  readonly #rtt = new RttTracker();
  readonly #policies = new Map<string, PolicyState>();
  #estimator: LimitEstimator | undefined;
  #pausedUntil: number | undefined;
  #pauseProbe: PauseProbe = { state: 'none' };

  constructor(options: QuotaModelOptions = {}) {
    this.#initialConcurrency = Math.max(1, Math.floor(options.initialConcurrency ?? 1));
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS;
    this.#configured =
      options.limit !== undefined && options.windowMs !== undefined && options.limit > 0 && options.windowMs > 0
        ? { limit: options.limit, windowMs: options.windowMs }
        : undefined;
  }

  /** Admits a send now (recording it as in flight) or says when to ask again and why. */
  take(now: number, cost: Units): TakeDecision {
    const tooLarge = this.#tooLarge(cost);
    if (tooLarge !== undefined) return tooLarge;
    if (this.#pausedUntil !== undefined) {
      if (now < this.#pausedUntil) return { ok: false, retryAt: this.#pausedUntil, reason: 'paused' };
      this.#pausedUntil = undefined;
    }
    // After a pause one probe goes first; the rest wait for its answer instead of waking at once.
    if (this.#pauseProbe.state === 'out') return { ok: false, retryAt: undefined, reason: 'response' };
    if (this.#pauseProbe.state === 'due') {
      // The end of a pause surely frees one unit, not more: a larger probe waits until the
      // policies allow it or offer their own probe, when they can name a time.
      const waitUntil = this.#largeProbeWait(now, cost);
      if (waitUntil !== undefined && waitUntil > now && waitUntil - now <= this.#maxRetryAfterMs) return { ok: false, retryAt: Math.ceil(waitUntil), reason: 'quota' };
      const send = this.#admit(now, cost);
      this.#pauseProbe = { state: 'out', id: send.id };
      return { ok: true, send };
    }
    return this.#decide(now, cost);
  }

  /**
   * When the policies allow (or offer a probe for) a cost of more than one unit, or undefined when
   * every policy needs one unit at most or one of them cannot name a time (the pause's probe then
   * goes anyway: waiting for a time nobody knows would stall the bucket). A time further away than
   * the longest wait a server may ask for is such a guess too (a policy that has not learned its
   * refill rate bounds a probe of 1,500 tokens by 1,500 whole resets).
   */
  #largeProbeWait(now: number, cost: Units): number | undefined {
    let latest: number | undefined;
    for (const state of this.#gatingPolicies()) {
      const need = cost[state.unit] ?? 0;
      if (need <= 1) continue;
      const allowance = state.allowance(now, need, this.#log, this.#rtt);
      if (allowance.available >= need) continue;
      const earliest = this.#earliestRoom(state, allowance, need);
      if (earliest === undefined) return undefined;
      latest = Math.max(latest ?? now, earliest);
    }
    return latest;
  }

  /** The decision once no pause holds the bucket. */
  #decide(now: number, cost: Units): TakeDecision {
    const gating = this.#gatingPolicies();
    if (gating.length > 0) return this.#takeWithPolicies(now, cost, gating);
    if (this.#configured !== undefined) return this.#takeConfigured(now, cost, this.#configured);
    const inFlight = this.#log.inFlightCount;
    if (this.#estimator !== undefined) {
      const at = this.#estimator.nextSendAt(now, inFlight);
      if (at !== undefined && at <= now) {
        this.#estimator.admitted(now);
        return { ok: true, send: this.#admit(now, cost) };
      }
      return { ok: false, retryAt: at, reason: at === undefined ? 'response' : 'quota' };
    }
    if (inFlight < this.#initialConcurrency) return { ok: true, send: this.#admit(now, cost) };
    return { ok: false, retryAt: undefined, reason: 'probing' };
  }

  /** Takes a response (or a failed attempt) for an admitted send and re-syncs to the server's view. */
  observe(send: SendRecord, observation: Observation): ObserveResult {
    const now = observation.now;
    const status = observation.status;
    const entry = this.#log.settle(send.id, now, status);
    if (entry === undefined) return {};
    if (entry.rtt !== undefined) this.#rtt.add(entry.rtt);
    const parsed = observation.parsed;
    let limitChanged = false;
    const seen = new Set<string>();
    for (const policy of parsed?.policies ?? []) {
      let key = policyKey(policy);
      // Two unnamed policies of one unit (per second AND per hour) stay apart.
      for (let index = 1; seen.has(key); index++) key = `${policyKey(policy)}#${index}`;
      seen.add(key);
      let state = this.#policies.get(key);
      if (state === undefined) {
        const limit = policy.limit ?? policy.remaining;
        if (limit === undefined || !(limit > 0)) continue;
        state = new PolicyState(key, policy.name ?? 'default', policy.unit ?? 'requests', limit);
        this.#policies.set(key, state);
        limitChanged = true;
      } else if (policy.limit === undefined && policy.remaining !== undefined && policy.remaining > state.limit) {
        // A server that reports only remaining: the most ever seen is the best limit we know.
        state.limit = policy.remaining;
      }
      if (state.update(policy, entry, now, this.#log, this.#rtt)) limitChanged = true;
    }
    // No response: no re-sync will come from this attempt, so the probe it may have been is re-armed.
    if (status === undefined) for (const state of this.#policies.values()) state.attemptFailed(entry);
    const headerless = this.#policies.size === 0;
    if (headerless && status !== undefined && this.#configured === undefined) {
      this.#estimator ??= new LimitEstimator(this.#initialConcurrency);
    }
    if (headerless && this.#estimator !== undefined) {
      const before = this.#estimator.ratePerSecond;
      this.#estimator.observe(entry, status, now, parsed?.retryAt, this.#log);
      if (this.#estimator.ratePerSecond !== before && status === 429) limitChanged = true;
    }
    // A 429 although the model paced by its learned refill time: the server changed its mind.
    if (status === 429) for (const state of this.#policies.values()) state.forgetLearnedTiming();
    let pausedUntil: number | undefined;
    if (status === 429 || (status === 503 && parsed?.retryAt !== undefined)) {
      const asked = parsed?.retryAt ?? now + MIN_429_PAUSE_MS;
      const floor = status === 429 ? now + MIN_429_PAUSE_MS : now;
      const until = Math.min(Math.max(asked, floor), now + this.#maxRetryAfterMs);
      if (until > now) {
        this.#pausedUntil = Math.max(this.#pausedUntil ?? 0, until);
        this.#pauseProbe = { state: 'due' };
        pausedUntil = this.#pausedUntil;
      }
    } else if (this.#pauseProbe.state === 'out' && this.#pauseProbe.id === entry.id) {
      this.#pauseProbe = { state: 'none' };
    }
    this.#trimLog(now);
    const result: { pausedUntil?: number; limitChanged?: boolean } = {};
    if (pausedUntil !== undefined) result.pausedUntil = pausedUntil;
    if (limitChanged) result.limitChanged = true;
    return result;
  }

  /** A point-in-time view for dashboards and the store. */
  snapshot(now: number): ModelSnapshot {
    const policies: PolicySnapshot[] = [];
    let binding: { policy: PolicySnapshot; share: number } | undefined;
    for (const state of this.#policies.values()) {
      const available = state.sync === undefined ? undefined : Math.max(0, Math.floor(state.allowance(now, 0, this.#log, this.#rtt).available));
      const window = state.window();
      const policy: PolicySnapshot = {
        name: state.name,
        unit: state.unit,
        limit: state.limit,
        remaining: available,
        resetAt: state.sync?.resetAt,
        windowMs: Number.isFinite(window.high) ? window.high : undefined,
        windowLearning: state.learningWindow,
      };
      policies.push(policy);
      const share = available === undefined ? 1 : available / state.limit;
      if (binding === undefined || share < binding.share) binding = { policy, share };
    }
    const inFlight = this.#log.inFlightCount;
    const pausedUntil = this.#pausedUntil !== undefined && this.#pausedUntil > now ? this.#pausedUntil : undefined;
    if (binding !== undefined) {
      const { limit, remaining, resetAt, windowMs } = binding.policy;
      return { limit, remaining, resetAt, windowMs, inFlight, pausedUntil, source: 'server', policies };
    }
    if (this.#configured !== undefined) {
      const { limit, windowMs } = this.#configured;
      const remaining = Math.max(0, limit - this.#sentWithin(now, windowMs, 'requests'));
      return { limit, remaining, resetAt: undefined, windowMs, inFlight, pausedUntil, source: 'configured', policies };
    }
    const rate = this.#estimator?.ratePerSecond;
    const source: QuotaSource = rate === undefined ? 'unknown' : 'estimated';
    return {
      limit: rate === undefined ? undefined : Math.floor(rate),
      remaining: undefined,
      resetAt: undefined,
      windowMs: rate === undefined ? undefined : 1000,
      inFlight,
      pausedUntil,
      source,
      policies,
    };
  }

  /**
   * A cost no window of a policy can ever hold (more than its whole stated limit) would wait
   * forever: say so at once. Limits only inferred from `remaining` may grow, so they never refuse.
   */
  #tooLarge(cost: Units): TakeDecision | undefined {
    for (const state of this.#policies.values()) {
      const need = cost[state.unit] ?? 0;
      if (state.limitStated && need > state.limit) return { ok: false, retryAt: undefined, reason: 'too-large', unit: state.unit, limit: state.limit };
    }
    const configured = this.#configured;
    if (configured !== undefined && this.#policies.size === 0 && (cost['requests'] ?? 0) > configured.limit) {
      return { ok: false, retryAt: undefined, reason: 'too-large', unit: 'requests', limit: configured.limit };
    }
    return undefined;
  }

  #admit(now: number, cost: Units): SendRecord {
    const entry = this.#log.append(now, cost);
    return { id: entry.id, sentAt: entry.sentAt, cost: entry.cost };
  }

  #gatingPolicies(): PolicyState[] {
    const gating: PolicyState[] = [];
    for (const state of this.#policies.values()) if (state.sync !== undefined) gating.push(state);
    return gating;
  }

  #takeWithPolicies(now: number, cost: Units, gating: readonly PolicyState[]): TakeDecision {
    const inFlight = this.#log.inFlightCount;
    let retryAt = now;
    let blocked: PolicyState[] | undefined;
    let paceBlocked = false;
    let unpaced: PolicyState[] | undefined;
    for (const state of gating) {
      const need = cost[state.unit] ?? 0;
      if (need <= 0) continue;
      const allowance = state.allowance(now, need, this.#log, this.#rtt);
      if (allowance.available >= need) {
        // Under refill semantics the learned refill time only shrinks when the server is seen
        // holding many units: confirmed room goes at once, or pacing by a loose estimate would
        // keep the evidence (and the rate) low for good. Once an inferred window has settled the
        // same holds for windows (see PolicyState.spendsConfirmedRoomAtOnce). Such a send is not
        // booked on the pace either: the server vouched for it, and the debt would hold back the
        // trickle after it.
        if (state.spendsConfirmedRoomAtOnce && state.confirmedRoom(now, this.#log, this.#rtt) >= need) {
          (unpaced ??= []).push(state);
          continue;
        }
        const paceAt = state.paceAt(now, need);
        if (paceAt > now) {
          paceBlocked = true;
          retryAt = Math.max(retryAt, paceAt);
        }
        continue;
      }
      (blocked ??= []).push(state);
      retryAt = Math.max(retryAt, this.#earliestRoom(state, allowance, need) ?? Infinity);
    }
    if (blocked === undefined && !paceBlocked) return this.#admitPaced(now, cost, unpaced === undefined ? gating : gating.filter((state) => !unpaced.includes(state)));
    if (blocked === undefined) return { ok: false, retryAt: Math.ceil(retryAt), reason: 'quota' };
    // The second always-safe send: one probe once every blocking policy's reset has passed.
    if (inFlight === 0 && blocked.every((state) => (state.probeAt(this.#log, cost[state.unit] ?? 0, this.#rtt) ?? Infinity) <= now)) {
      for (const state of blocked) state.markProbe();
      return this.#admitPaced(now, cost, gating);
    }
    if (retryAt === Infinity) {
      // Nothing to wait for but a response; with none coming, look again later rather than stall.
      return { ok: false, retryAt: inFlight > 0 ? undefined : now + IDLE_PROBE_MS, reason: inFlight > 0 ? 'response' : 'quota' };
    }
    // Whole milliseconds, rounded up: a retry computed to the fraction must not land just short.
    return { ok: false, retryAt: Math.ceil(Math.max(retryAt, now + 1)), reason: 'quota' };
  }

  /** When a blocked policy allows `need` or offers a probe, whichever comes first; undefined when it names no time. */
  #earliestRoom(state: PolicyState, allowance: Allowance, need: number): number | undefined {
    const probeAt = state.probeAt(this.#log, need, this.#rtt);
    if (allowance.at === undefined) return probeAt;
    return probeAt === undefined ? allowance.at : Math.min(allowance.at, probeAt);
  }

  #admitPaced(now: number, cost: Units, gating: readonly PolicyState[]): TakeDecision {
    for (const state of gating) state.paced(now, cost[state.unit] ?? 0);
    return { ok: true, send: this.#admit(now, cost) };
  }

  /** Before the server says anything, the user's limit paces a sliding window of our own sends. */
  #takeConfigured(now: number, cost: Units, configured: { readonly limit: number; readonly windowMs: number }): TakeDecision {
    const need = cost['requests'] ?? 0;
    const used = this.#sentWithin(now, configured.windowMs, 'requests');
    if (used + need <= configured.limit) return { ok: true, send: this.#admit(now, cost) };
    const firstInWindow = this.#log.firstIdSentAfter(now - configured.windowMs - this.#rtt.hold);
    const target = this.#log.totalThrough(firstInWindow - 1, 'requests') + (used + need - configured.limit);
    const id = this.#log.firstIdReaching(firstInWindow, target, 'requests');
    const sentAt = id === undefined ? undefined : this.#log.get(id)?.sentAt;
    const retryAt = sentAt === undefined ? now + configured.windowMs : sentAt + configured.windowMs + this.#rtt.hold;
    return { ok: false, retryAt: Math.max(retryAt, now + 1), reason: 'quota' };
  }

  #sentWithin(now: number, windowMs: number, unit: string): number {
    return this.#log.sumRange(this.#log.firstIdSentAfter(now - windowMs - this.#rtt.hold), this.#log.lastId, unit);
  }

  /** Keeps the log bounded: nothing older than twice the longest window in use, a few times the largest limit at most. */
  #trimLog(now: number): void {
    let horizon = this.#configured?.windowMs ?? 0;
    let largestLimit = this.#configured?.limit ?? 0;
    let unbounded = false;
    for (const state of this.#policies.values()) {
      const high = state.window().high;
      if (Number.isFinite(high)) horizon = Math.max(horizon, high);
      else unbounded = true;
      largestLimit = Math.max(largestLimit, state.limit);
    }
    if (this.#policies.size === 0 && this.#configured === undefined) horizon = 60_000;
    const hardCap = Math.max(LOG_MIN_CAP, LOG_CAP_PER_LIMIT * largestLimit);
    const before = unbounded ? -Infinity : now - 2 * horizon - this.#rtt.spread;
    this.#log.dropOlderThan(before, LOG_MIN_KEEP, hardCap);
  }
}

function policyKey(policy: RateLimitPolicy): string {
  return `${policy.name ?? ''}|${policy.unit ?? 'requests'}`;
}
