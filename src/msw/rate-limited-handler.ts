import { http, HttpResponse } from 'msw';
import type { EndpointStats } from './endpoint.ts';
import { rateLimit, type RateLimitOptions } from './rate-limit.ts';
import { rateLimited, type RateLimitedHandler } from './rate-limited.ts';

/** msw method names, upper or lower case. */
export type HandlerMethod = 'all' | 'get' | 'head' | 'post' | 'put' | 'patch' | 'delete' | 'options';

/** Options of {@link rateLimitedHandler}. */
export interface RateLimitedHandlerOptions extends RateLimitOptions {
  /** msw method; upper or lower case. @default 'get' */
  method?: HandlerMethod | Uppercase<HandlerMethod>;
  /** msw path: a URL, a pattern with `*` and `:params`, or a RegExp. */
  url: string | RegExp;
}

/** A ready-made rate-limited endpoint: its handler and its controls. */
export interface RateLimitedEndpoint {
  /** Give it to `setupServer` / `setupWorker` / `server.use`. */
  readonly handler: RateLimitedHandler;
  /** Live counters (accepted, rejected, admission times, max accepted per window). */
  readonly stats: EndpointStats;
  setLimit(limit: number): void;
  /** Fresh limiter, counters and schedule clock. */
  reset(): void;
}

/**
 * A rate-limited endpoint that answers `{ ok: true, n }` (n = requests accepted so far): the
 * quickest way to a rate-limited API in a test. To rate-limit your own resolvers, use {@link rateLimited}.
 *
 * @example
 * ```ts
 * const api = rateLimitedHandler({ url: 'https://api.test/*', algorithm: 'sliding', limit: 5, windowMs: 1000, dialect: 'github' });
 * const server = setupServer(api.handler);
 * server.listen({ onUnhandledFrame: 'error' });
 * ```
 */
export function rateLimitedHandler(options: RateLimitedHandlerOptions): RateLimitedEndpoint {
  const { method: rawMethod, url, ...limitOptions } = options;
  const quota = rateLimit({ algorithm: 'fixed', dialect: 'ietf', ...limitOptions });
  const method = (rawMethod ?? 'get').toLowerCase() as HandlerMethod;
  const handler = rateLimited(
    http[method](url, () => HttpResponse.json({ ok: true, n: quota.stats.accepted })),
    quota,
  );
  return {
    handler,
    get stats() {
      return quota.stats;
    },
    setLimit: (limit) => quota.setLimit(limit),
    reset: () => quota.reset(),
  };
}
