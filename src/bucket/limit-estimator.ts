import type { SendLog, LoggedSend } from './send-log.ts';

/** Sends in flight allowed while ramping up blind, before the first 429 says where the limit is. */
const RAMP_THRESHOLD = 8;
/** Pace at this share of the measured accepted rate: a little under it, so it holds. */
const HEADROOM = 0.97;
/** Probing upward for a raised limit, per second without a 429. */
const GROWTH_PER_SECOND = 0.01;

/**
 * The limit of a server that sends no quota headers, learned from its 429s (pacing.md "No
 * headers at all"). Before the first 429 it ramps like TCP slow start, but caps the window at a
 * few sends in flight so the round of 429s that finds the limit stays small. At a 429 it counts
 * the requests the server accepted in the span before it (the Retry-After span, at least 1 s)
 * and paces evenly at 0.97 of that rate; later 429s take the lower of the new measure and the
 * rate that failed.
 */
export class LimitEstimator {
  /** Sends per ms once estimated. */
  #rate: number | undefined;
  #window: number;
  #nextAt = -Infinity;
  /** Sends admitted before this instant belong to a round whose 429 was already counted. */
  #roundStart = -Infinity;
  #lastGrowthAt = 0;

  constructor(initialConcurrency: number) {
    this.#window = Math.max(1, initialConcurrency);
  }

  /** The estimated rate, units per second, when known. */
  get ratePerSecond(): number | undefined {
    return this.#rate === undefined ? undefined : this.#rate * 1000;
  }

  /** When a send may go: now (ok) or a time, or undefined for "after the next response". */
  nextSendAt(now: number, inFlight: number): number | undefined {
    if (this.#rate === undefined) return inFlight < Math.floor(this.#window) ? now : undefined;
    return Math.max(now, this.#nextAt);
  }

  admitted(now: number): void {
    if (this.#rate === undefined) return;
    const interval = 1 / this.#rate;
    // No saving up: after idle time the next send goes at once, then the pace resumes.
    this.#nextAt = Math.max(this.#nextAt, now - interval) + interval;
  }

  /** A response (or failure) for a send in no-header mode. */
  observe(send: LoggedSend, status: number | undefined, now: number, retryAt: number | undefined, log: SendLog): void {
    if (status === 429) {
      if (send.sentAt < this.#roundStart) return;
      const span = Math.max(1000, (retryAt ?? now) - now);
      let accepted = 0;
      const from = log.firstIdSentAfter(send.sentAt - span);
      for (const entry of log.range(from, send.id - 1)) {
        if (entry.status !== undefined && entry.status !== 429 && entry.status < 500) accepted++;
      }
      const measured = Math.max(1, accepted) / span;
      this.#rate = HEADROOM * (this.#rate === undefined ? measured : Math.min(measured, this.#rate / HEADROOM));
      this.#roundStart = Math.max(now, retryAt ?? now);
      this.#lastGrowthAt = this.#roundStart;
      this.#nextAt = this.#roundStart;
      return;
    }
    if (status === undefined || status >= 500) return;
    if (this.#rate === undefined) {
      this.#window += this.#window < RAMP_THRESHOLD ? 1 : 1 / this.#window;
      return;
    }
    const elapsed = now - this.#lastGrowthAt;
    if (elapsed >= 1000) {
      this.#rate *= 1 + (GROWTH_PER_SECOND * elapsed) / 1000;
      this.#lastGrowthAt = now;
    }
  }
}
