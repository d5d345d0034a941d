/** The msw rate-limited handler now ships as `ky-quota/msw`; kept for existing test imports. */
export { rateLimitedHandler } from '../../src/msw/rate-limited-handler.ts';
export type { HandlerMethod, RateLimitedHandlerOptions, RateLimitedEndpoint as RateLimitedHandler } from '../../src/msw/rate-limited-handler.ts';
