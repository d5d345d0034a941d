import type { Options } from 'ky';

/** What a poller does while its tab is hidden: `'slow'` stretches its interval by `hiddenFactor`, `'pause'` stops it. */
export type HiddenPolicy = 'slow' | 'pause';

/** The ky options a poll's request may carry (it is always a GET; the poller owns `signal`). */
export type PollRequestOptions = Omit<Options, 'method' | 'body' | 'json' | 'signal'>;

/** Where a poller's data came from. */
export type PollSource =
  /** This poller's feed fetched it (it spent one request of the quota). */
  | 'network'
  /** Another poller of the same URL in this tab fetched it; nothing was spent. */
  | 'tab'
  /** Another tab of the origin fetched it and shared the body over the channel; nothing was spent. */
  | 'other-tab';

/** What a poller's callback learns with each piece of data. */
export interface PollInfo {
  /** When the response arrived (in whichever tab fetched it), epoch ms. */
  readonly fetchedAt: number;
  /** How old the data is as it is delivered, ms. */
  readonly ageMs: number;
  /** The poller's effective interval now (its `every`, stretched for the quota and for a hidden tab), ms. */
  readonly intervalMs: number;
  /** The response's HTTP status. */
  readonly status: number;
  readonly source: PollSource;
}

/** Options of `api.poll()`. */
export interface PollOptions<T> {
  /** The interval you want, ms. It stretches when the quota cannot afford every poller's wish. */
  readonly every: number;
  /** Stops the poller when aborted (as `handle.stop()` does). */
  readonly signal?: AbortSignal;
  /**
   * While the tab is hidden: `'slow'` polls `hiddenFactor` times less often, `'pause'` stops.
   * Either way the poller refreshes at once when the tab is visible again.
   * @default 'slow'
   */
  readonly hidden?: HiddenPolicy;
  /**
   * How much slower a hidden tab polls with `hidden: 'slow'`.
   * @default 4
   */
  readonly hiddenFactor?: number;
  /**
   * Share this URL's responses with the other pollers of the same URL (and the same request
   * headers) in this tab and in the other tabs of the quota's `name`. `false`: this poller fetches
   * on its own and publishes nothing.
   * @default true
   */
  readonly share?: boolean;
  /**
   * Bodies larger than this many bytes (UTF-16 code units of the text) are not sent to other tabs,
   * which then fetch for themselves.
   * @default 65_536
   */
  readonly maxShareBytes?: number;
  /**
   * Turns the response into the data handed to `onData`. Called with a fresh `Response` in every
   * tab (rebuilt from the shared text for other tabs).
   * @default (response) => response.json()
   */
  readonly parse?: (response: Response) => Promise<T>;
  /** ky options for the GET: `headers`, `searchParams`, `context`, `timeout`, ... */
  readonly request?: PollRequestOptions;
  /** A failed poll (HTTP error, network error, parse error). The poller keeps going. */
  readonly onError?: (error: unknown) => void;
}

/** A running poller. */
export interface PollHandle {
  /** The interval asked for, ms. */
  readonly everyMs: number;
  /** The effective interval now, ms: `every` stretched for the quota and a hidden tab; `Infinity` while paused. */
  readonly intervalMs: number;
  /** Age of the data last delivered, ms; `undefined` before the first. */
  readonly ageMs: number | undefined;
  /** Ticks dropped because the previous poll was still waiting for its turn or its response. */
  readonly dropped: number;
  /** False once stopped. */
  readonly active: boolean;
  /** Poll now (a fresh enough shared body is taken instead of fetching). */
  refresh(): void;
  /** Stop polling. Idempotent. */
  stop(): void;
}

/**
 * `api.poll(url, options, onData)`: poll a URL within the quota. Returns the poller's handle.
 *
 * @example
 * ```ts
 * const status = api.poll<Status>('status', { every: 2000 }, (data, info) => render(data, info.ageMs));
 * status.intervalMs; // 2000, or more when the quota cannot afford it
 * status.stop();
 * ```
 */
export type PollFunction = <T = unknown>(url: string, options: PollOptions<T>, onData: (data: T, info: PollInfo) => void) => PollHandle;
