/**
 * Round-trip bookkeeping. The model cannot see when a request reached the server, only that it
 * did between its send time and send time + (its RTT - the smallest RTT seen): the smallest RTT
 * bounds the fixed part of the path, the rest is queueing that may sit on either leg.
 */
export class RttTracker {
  #min = Infinity;
  #recent: number[] = [];
  #next = 0;
  #spreadCache = 0;
  static readonly #size = 32;
  /** Slack for clock granularity and server processing order, ms. */
  static readonly slackMs = 2;

  add(rtt: number): void {
    if (rtt < this.#min) this.#min = rtt;
    if (this.#recent.length < RttTracker.#size) this.#recent.push(rtt);
    else this.#recent[this.#next] = rtt;
    this.#next = (this.#next + 1) % RttTracker.#size;
    let max = 0;
    for (const value of this.#recent) if (value > max) max = value;
    this.#spreadCache = max - this.#min;
  }

  /** The smallest RTT seen (0 before any). */
  get min(): number {
    return Number.isFinite(this.#min) ? this.#min : 0;
  }

  /** The largest recent (RTT - min RTT) plus slack: how late after its send a request may have arrived, relative to the fastest. */
  get spread(): number {
    return this.#spreadCache + RttTracker.slackMs;
  }

  /** The uncertainty of one answered send's arrival, ms (the recent spread for unanswered ones). */
  arrivalSpread(rtt: number | undefined): number {
    if (rtt === undefined) return this.spread;
    return Math.max(0, rtt - this.min) + RttTracker.slackMs;
  }
}
