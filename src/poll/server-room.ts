import type { RateLimitPolicy } from '../headers/types.ts';

/**
 * How far back the server's counts are considered, ms: long enough that a tab whose pollers are
 * stretched far (eight 1 s pollers at 10x poll 0.8 times a second) still has a few responses.
 */
const HORIZON_MS = 5000;
/** Responses needed within the horizon before the counts say anything. */
const MIN_SAMPLES = 3;
/**
 * A poll that waited in the quota's queue longer than this share of its interval means the quota
 * binds, whatever the server's counts: the model keeps a unit or two of room, so a saturated
 * server still answers `remaining > 0`, and the counts alone talked the pollers out of their stretch.
 * Half, not a quarter: while the model learns a window it paces a response's room (10 per second:
 * a token every ~80 ms), and four pollers ticking together waited up to 250 ms, which read as
 * binding and stretched them 2.7x by the model's loose window bound (issue 7's 4-URL test).
 */
const MAX_QUEUED_SHARE = 0.5;

interface Sample {
  readonly at: number;
  readonly limit: number;
  /** Units the server holds (`limit - remaining`), this response's own included. */
  readonly held: number;
  /** The request's wait in the quota's queue, as a share of its poller's interval. */
  readonly queuedShare: number;
}

/**
 * What the server's own counts say about the pollers' demand. The quota model paces by the safe
 * upper bound of a window the server never states (`X-RateLimit-*` with whole-second resets), and
 * while the window is re-learned that bound sits at 2-3 s for a 1 s window: `limit / bound` then
 * says four 1 s pollers do not fit in 10 requests a second, and stretching them left dashboards
 * showing data 2-6 s old although the server always had room (measured in real Chromium, issue 7).
 *
 * The server's `remaining` answers the question directly. While every recent response showed room
 * (`remaining > 0`) and no poll waited long for its token, the demand fits; at `rate` requests per second the server holding `held`
 * units means a window of about `held / rate` seconds, so it allows about `limit * rate / held`
 * per second. Once any recent response shows the quota spent, or a poll queued for a quarter of
 * its interval (the quota binds: polls go slower than asked), this says nothing and the model's
 * bound rules again (a long window only fills after a while: the pollers stretch then). Pure:
 * time comes in as `now`.
 */
export class ServerRoom {
  readonly #buckets = new Map<string, Sample[]>();

  /**
   * Take the request policies of a response that spent `bucket`, and how long its request waited
   * for its token as a share of its poller's interval.
   */
  observe(bucket: string, policies: readonly RateLimitPolicy[], now: number, queuedShare = 0): void {
    let tightest: Sample | undefined;
    for (const policy of policies) {
      if ((policy.unit ?? 'requests') !== 'requests') continue;
      const { limit, remaining } = policy;
      if (limit === undefined || remaining === undefined || !(limit > 0) || !Number.isFinite(limit) || !Number.isFinite(remaining)) continue;
      const sample = { at: now, limit, held: Math.min(limit, Math.max(0, limit - remaining)), queuedShare };
      if (tightest === undefined || sample.held / sample.limit > tightest.held / tightest.limit) tightest = sample;
    }
    if (tightest === undefined) return;
    let samples = this.#buckets.get(bucket);
    if (samples === undefined) {
      samples = [];
      this.#buckets.set(bucket, samples);
    }
    samples.push(tightest);
    this.#trim(samples, now);
  }

  /**
   * Requests per second the server's counts show the bucket allows, given that the pollers of
   * all tabs asked for `ratePerSecond` lately; `undefined` unless every response within the
   * horizon (at least a few) showed room under one limit, for polls that hardly queued.
   * @example // four 1 s pollers, the server holding at most 5 of 10: about 8 per second
   * room.fitRate('api', 4, now) // 8
   */
  fitRate(bucket: string, ratePerSecond: number, now: number): number | undefined {
    const samples = this.#buckets.get(bucket);
    if (samples === undefined || !(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) return undefined;
    this.#trim(samples, now);
    if (samples.length < MIN_SAMPLES) return undefined;
    const limit = samples[samples.length - 1]?.limit ?? 0;
    let held = 0;
    for (const sample of samples) {
      // A spent quota, or a limit that changed within the horizon: nothing to conclude.
      if (sample.limit !== limit || sample.held >= sample.limit || sample.queuedShare > MAX_QUEUED_SHARE) return undefined;
      held = Math.max(held, sample.held);
    }
    return (limit * ratePerSecond) / Math.max(1, held);
  }

  #trim(samples: Sample[], now: number): void {
    let drop = 0;
    while (drop < samples.length && (samples[drop]?.at ?? now) <= now - HORIZON_MS) drop++;
    if (drop > 0) samples.splice(0, drop);
  }
}
