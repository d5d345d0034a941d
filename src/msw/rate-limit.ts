import type { Dialect, HeaderList } from './dialects.ts';
import { createEndpoint, type EndpointStats, type LimitChange } from './endpoint.ts';
import { limitedBody } from './limited-body.ts';
import type { Algorithm, Decision } from './limiters/types.ts';

/** Options of {@link rateLimit} and {@link rateLimited}. */
export interface RateLimitOptions {
  /**
   * How the server counts: `'fixed'` windows aligned to the epoch, a `'sliding'` log, a token
   * `'bucket'` (starts full), a `'leaky'` bucket (starts empty).
   * @default 'fixed'
   */
  algorithm?: Algorithm;
  /** Units (requests, unless `cost` says otherwise) per window. */
  limit: number;
  /** The window, or the time a bucket takes to refill from empty, ms. */
  windowMs: number;
  /**
   * The headers the server speaks; see {@link Dialect}.
   * @default 'ietf'
   */
  dialect?: Dialect;
  /**
   * Limit changes, `atMs` after the first request (and after each `reset()`), e.g. a quota cut.
   * @example [{ atMs: 60_000, limit: 5 }]
   */
  schedule?: readonly LimitChange[];
  /**
   * The server's clock. The default follows vitest's and jest's fake timers (`Date` faked).
   * @default () => Date.now()
   */
  now?: () => number;
  /**
   * What a request costs in units.
   * @default () => 1
   * @example (request) => Number(request.headers.get('x-cost') ?? 1)
   */
  cost?: (request: Request) => number;
  /** IETF policy name. @default 'default' */
  policyName?: string;
  /** GitHub's `x-ratelimit-resource`. @default 'core' */
  resource?: string;
}

/** What the rate limit said about one request. */
export type RateLimitVerdict =
  | { readonly allowed: true; readonly headers: HeaderList; readonly decision: Decision }
  | { readonly allowed: false; readonly response: Response; readonly decision: Decision };

/** One simulated quota, shareable by several handlers (several routes spending one quota). */
export interface RateLimit {
  readonly options: Readonly<RateLimitOptions>;
  /** Accepted and rejected counts, admission times, the most accepted in any window span. */
  readonly stats: EndpointStats;
  /** The current limit. */
  readonly limit: number;
  /** Change the limit from the next request on. */
  setLimit(limit: number): void;
  /** A fresh quota and counters; the schedule restarts at the next request. */
  reset(): void;
  /** Count `request` against the quota now: the headers to add, or the 429 to answer. */
  admit(request: Request): RateLimitVerdict;
}

/**
 * A simulated server quota, to share between handlers with {@link rateLimited}.
 *
 * @example
 * ```ts
 * import { http, HttpResponse } from 'msw';
 * import { rateLimit, rateLimited } from 'ky-quota/msw';
 *
 * const quota = rateLimit({ algorithm: 'sliding', limit: 5_000, windowMs: 3_600_000, dialect: 'github' });
 * const handlers = [
 *   rateLimited(http.get('https://api.github.com/repos/*', () => HttpResponse.json({})), quota),
 *   rateLimited(http.get('https://api.github.com/users/*', () => HttpResponse.json({})), quota),
 * ];
 * ```
 */
export function rateLimit(options: RateLimitOptions): RateLimit {
  const dialect = options.dialect ?? 'ietf';
  const endpoint = createEndpoint({
    algorithm: options.algorithm ?? 'fixed',
    limit: options.limit,
    windowMs: options.windowMs,
    dialect,
    schedule: options.schedule ?? [],
    now: options.now ?? (() => Date.now()),
    start: 'first-request',
    policyName: options.policyName,
    resource: options.resource,
  });
  const costOf = options.cost ?? (() => 1);
  return {
    options,
    get stats() {
      return endpoint.stats;
    },
    get limit() {
      return endpoint.limiter.limit;
    },
    setLimit: (limit) => endpoint.setLimit(limit),
    reset: () => endpoint.restart(),
    admit(request) {
      const reply = endpoint.handle(costOf(request));
      if (reply.status === 200) return { allowed: true, headers: reply.headers, decision: reply.decision };
      const body = limitedBody(dialect, reply.decision);
      const headers = new Headers(reply.headers);
      headers.set('Content-Type', body.contentType);
      return {
        allowed: false,
        decision: reply.decision,
        response: new Response(body.text, { status: 429, statusText: 'Too Many Requests', headers }),
      };
    },
  };
}

/** `response` with the quota headers added (headers the resolver set itself win). */
export function withQuotaHeaders(response: Response, headers: HeaderList): Response {
  // Network errors (`Response.error()`) have no headers to add and cannot be rebuilt.
  if (response.type === 'error' || response.status === 0) return response;
  const merged = new Headers(response.headers);
  for (const [name, value] of headers) if (!merged.has(name)) merged.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers: merged });
}
