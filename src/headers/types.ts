/**
 * How a policy's quota comes back.
 * - `'window'`: the whole quota is restored at once at `resetAt` (a fixed window).
 * - `'refill'`: units trickle back continuously and the bucket is full by `resetAt`
 *   (a token or leaky bucket: OpenAI, Anthropic, Shopify, HubSpot rolling windows).
 */
export type ResetSemantics = 'window' | 'refill';

/**
 * One quota a server reported in one response, normalised from whatever dialect it used.
 *
 * Every field is optional: servers send partial information (Heroku sends only `remaining`,
 * Docker Hub only `limit` and the window). Consumers must not assume any field is present.
 */
export interface RateLimitPolicy {
  /** The policy's or the server's bucket name: GitHub's resource, Discord's bucket, the IETF policy name. */
  name?: string;
  /** What the quota counts: `'requests'` (the default when a dialect does not say), `'tokens'`, `'input-tokens'`, ... */
  unit?: string;
  /** Units allowed per window (or the bucket's capacity). */
  limit?: number;
  /** Units left now, in the server's view. */
  remaining?: number;
  /** The window's length (or the time a bucket takes to refill from empty), in milliseconds. */
  windowMs?: number;
  /** Epoch ms on the caller's clock (corrected by this response's `Date`) when quota comes back. */
  resetAt?: number;
  /** What `resetAt` means: the whole quota back at once, or the bucket full by then. */
  semantics?: ResetSemantics;
  /**
   * How precise `resetAt` is, in ms: `1000` when the server sent whole seconds (the true reset
   * lies in `(resetAt - 1000, resetAt]`), `1` for millisecond values.
   */
  resetPrecisionMs?: number;
  /** The IETF partition key (`pk`), when the server sent one. */
  partitionKey?: string;
  /** Which dialect produced this policy, e.g. `'ietf-08'`, `'x-ratelimit'`, `'github'`, `'openai'`. */
  dialect?: string;
}

/** What {@link parseRateLimitHeaders} read from one response. */
export interface ParsedRateLimit {
  /** Every quota the response reported; empty when it reported none (or it was served from a cache). */
  policies: RateLimitPolicy[];
  /**
   * Epoch ms on the caller's clock before which no request should be sent: set when the response
   * says "wait until then" (`Retry-After`, `retry-after-ms`, a 429/403 limit with an exhausted reset).
   */
  retryAt?: number;
}

/** Options of {@link parseRateLimitHeaders}. */
export interface ParseRateLimitOptions {
  /**
   * The caller's clock when the response arrived, epoch ms.
   * @default Date.now()
   */
  now?: number;
  /** The response's HTTP status: `Retry-After` means "wait" on 429/503 (and 403/3xx for some dialects). */
  status?: number;
  /** The request URL, for dialects known by host (api.github.com, gitlab.*, discord.com, api.openai.com, ...). */
  url?: string | URL;
  /**
   * The caller's clock minus the server's, ms, as learned over many responses (the client
   * keeps the smallest `now - Date` per origin). When given, absolute resets (epoch values, dates) are converted with it
   * instead of this response's `Date`, whose whole seconds can put a reset up to a second late
   * (then `resetPrecisionMs` grows by 1000 to say so).
   * @example { clockSkewMs: 0 } // the same machine
   */
  clockSkewMs?: number;
}

/** Headers as the parser accepts them: a fetch `Headers` or a plain record (Node's `IncomingHttpHeaders` fits). */
export type HeadersLike =
  | Headers
  | Readonly<Record<string, string | readonly string[] | number | undefined | null>>;
