/**
 * An msw 3 handler that rate-limits like the bench's reference server: same limiters, same
 * header dialects (bench/server is the one source of truth). Deterministic with an injected
 * clock; the default `() => Date.now()` follows vitest's fake timers.
 *
 * @example
 * const limited = rateLimitedHandler({ url: 'https://api.test/*', algorithm: 'sliding', limit: 5, windowMs: 1000, dialect: 'github', now: () => clock });
 * const server = setupServer(limited.handler);
 * server.listen({ onUnhandledFrame: 'error' });
 */
import { http, HttpResponse } from 'msw';
import type { HttpHandler } from 'msw';
import { createEndpoint } from '../../bench/server/endpoint.ts';
import type { EndpointStats, LimitChange } from '../../bench/server/endpoint.ts';
import type { Algorithm } from '../../bench/server/limiters.ts';
import type { Dialect } from '../../bench/server/dialects.ts';

export type HandlerMethod = 'all' | 'get' | 'head' | 'post' | 'put' | 'patch' | 'delete' | 'options';

export interface RateLimitedHandlerOptions {
  /** msw method; upper or lower case. @default 'get' */
  method?: HandlerMethod | Uppercase<HandlerMethod>;
  url: string | RegExp;
  algorithm: Algorithm;
  limit: number;
  windowMs: number;
  dialect: Dialect;
  schedule?: readonly LimitChange[];
  /** @default () => Date.now() */
  now?: () => number;
}

export interface RateLimitedHandler {
  handler: HttpHandler;
  /** Live counters (accepted, rejected, admission times, max accepted per window). */
  readonly stats: EndpointStats;
  setLimit(limit: number): void;
  /** Fresh limiter, counters and schedule clock. */
  reset(): void;
}

export function rateLimitedHandler(options: RateLimitedHandlerOptions): RateLimitedHandler {
  const endpoint = createEndpoint({
    algorithm: options.algorithm,
    limit: options.limit,
    windowMs: options.windowMs,
    dialect: options.dialect,
    schedule: options.schedule ?? [],
    now: options.now ?? (() => Date.now()),
  });
  const method = (options.method ?? 'get').toLowerCase() as HandlerMethod;
  const handler = http[method](options.url, () => {
    const reply = endpoint.handle();
    return HttpResponse.json(reply.body, { status: reply.status, headers: reply.headers });
  });
  return {
    handler,
    get stats() {
      return endpoint.stats;
    },
    setLimit: (limit) => endpoint.setLimit(limit),
    reset: () => endpoint.restart(),
  };
}
