/**
 * `ky-quota/msw`: rate-limited APIs for msw tests. Fixed windows, sliding logs, token and leaky
 * buckets; the header dialects of real APIs; 429 bodies; limit changes over time. The same code
 * is ky-quota's own test and benchmark server.
 *
 * @example
 * ```ts
 * import { http, HttpResponse } from 'msw';
 * import { setupServer } from 'msw/node';
 * import { rateLimited } from 'ky-quota/msw';
 *
 * const server = setupServer(
 *   rateLimited(http.get('https://api.test/items', () => HttpResponse.json([])), { limit: 10, windowMs: 1000 }),
 * );
 * ```
 * @packageDocumentation
 */
export { rateLimited, RateLimitedHandler } from './rate-limited.ts';
export { rateLimit, withQuotaHeaders } from './rate-limit.ts';
export type { RateLimit, RateLimitOptions, RateLimitVerdict } from './rate-limit.ts';
export { rateLimitedHandler } from './rate-limited-handler.ts';
export type { RateLimitedHandlerOptions, RateLimitedEndpoint, HandlerMethod } from './rate-limited-handler.ts';
export { createEndpoint } from './endpoint.ts';
export type { Endpoint, EndpointOptions, EndpointReply, EndpointStats, LimitChange } from './endpoint.ts';
export { createLimiter, algorithmNames, FixedWindow, SlidingLog, TokenBucket, LeakyBucket } from './limiters.ts';
export type { Algorithm, Decision, Limiter, LimiterOptions } from './limiters.ts';
export { emitHeaders, dialectNames, isDialect, retryAfterSeconds } from './dialects.ts';
export type { Dialect, EmitOptions, HeaderList } from './dialects.ts';
export { limitedBody } from './limited-body.ts';
export type { LimitedBody } from './limited-body.ts';
export { formatGoDuration } from './go-duration.ts';
