/**
 * Round-trip bookkeeping. The model cannot see when a request reached the server. Relative to
 * the fastest request it arrived within (its RTT - the smallest RTT): `arrivalSpread`, which
 * orders evidence for the window inference. In absolute terms all of the round trip may sit on the
 * way there (an msw handler that runs after a delay, a proxy that queues before forwarding), so the
 * mirror holds a send's slot until `sentAt + window + hold`, hold being the largest recent RTT:
 * aging slots by the spread alone cost a 429 whenever the forward leg was the slow one.
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

  /** How long after its send a request may have reached the server at the latest: the largest recent RTT plus slack. */
  get hold(): number {
    return this.#spreadCache + this.min + RttTracker.slackMs;
  }

  /** The uncertainty of one answered send's arrival, ms (the recent spread for unanswered ones). */
  arrivalSpread(rtt: number | undefined): number {
    if (rtt === undefined) return this.spread;
    return Math.max(0, rtt - this.min) + RttTracker.slackMs;
  }
}
