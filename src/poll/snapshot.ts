/** One poller as `snapshot()` and the `'poll-interval'` event show it. */
export interface PollerSnapshot {
  /** The URL as passed to `api.poll()`. */
  readonly url: string;
  /** The interval asked for, ms. */
  readonly everyMs: number;
  /** The effective interval, ms: `every` stretched for the quota and a hidden tab (`Infinity`: paused). */
  readonly intervalMs: number;
  /** Age of the data it last delivered, ms; `undefined` before the first. */
  readonly ageMs: number | undefined;
  /** Ticks dropped while its previous poll waited. */
  readonly dropped: number;
  /** False for `share: false` pollers. */
  readonly shared: boolean;
}

/** The polling in one bucket: `BucketSnapshot.polling`. */
export interface BucketPolling {
  /**
   * Every poller's interval is multiplied by this: 1 while the pollers of all tabs want no more
   * than the quota allows, `wanted / allowed` beyond.
   */
  readonly stretch: number;
  /** Requests per second all pollers of all tabs want from this bucket (one per shared URL). */
  readonly wantedPerSecond: number;
  /**
   * Requests per second the quota allows, when known: the best `limit / window` the quota model
   * paced with lately, or more while every recent response showed the server had room (its
   * `limit * demand / held`: the model's window bound may be loose while it is learned).
   */
  readonly allowedPerSecond: number | undefined;
  /** Tabs polling this quota (this one included). */
  readonly tabs: number;
  /** This tab's pollers of this bucket. */
  readonly pollers: readonly PollerSnapshot[];
}

/** Emitted when the pollers' stretch for a bucket changes (the quota got tighter or freer, pollers came or went). */
export interface PollIntervalEvent extends BucketPolling {
  readonly bucket: string;
}

/** What a quota asks its polling for. */
export interface PollingSource {
  /** The polling in a bucket, or `undefined` when none polls it. */
  describe(bucket: string): BucketPolling | undefined;
  close(): void;
}
