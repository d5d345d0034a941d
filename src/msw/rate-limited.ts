import { RequestHandler, type ResponseResolutionContext } from 'msw';
import { rateLimit, withQuotaHeaders, type RateLimit, type RateLimitOptions } from './rate-limit.ts';

type RunArgs = Parameters<RequestHandler['run']>[0];
type RunResult = Awaited<ReturnType<RequestHandler['run']>>;
type ParseArgs = { request: Request; resolutionContext?: ResponseResolutionContext };
type PredicateArgs = Parameters<RequestHandler['predicate']>[0];
type LogArgs = Parameters<RequestHandler['log']>[0];

/**
 * An msw request handler behind a simulated rate limit: a request that matches the wrapped
 * handler is counted first; refused, it gets the dialect's 429 and the wrapped resolver never
 * runs; admitted, the wrapped handler answers and its response gets the dialect's quota headers.
 * Built on msw's public `RequestHandler` API only, so it works with `msw/node`, `msw/browser`
 * and `getResponse`.
 *
 * `server.resetHandlers()` resets its quota with the rest of the handler's state (msw calls
 * `reset()`), so each test starts with a full quota.
 */
export class RateLimitedHandler extends RequestHandler {
  readonly #inner: RequestHandler;
  /** The quota this handler spends (shared when one was passed in). */
  readonly rateLimit: RateLimit;

  constructor(inner: RequestHandler, limit: RateLimit) {
    super({ info: { header: `${inner.info.header} (rate-limited)` }, resolver: () => undefined });
    this.#inner = inner;
    this.rateLimit = limit;
  }

  /** The wrapped handler. */
  get inner(): RequestHandler {
    return this.#inner;
  }

  /** The counters of {@link rateLimit}: `accepted`, `rejected`, `maxAcceptedPerWindow`, times. */
  get stats(): RateLimit['stats'] {
    return this.rateLimit.stats;
  }

  /** Change the limit from the next request on. */
  setLimit(limit: number): void {
    this.rateLimit.setLimit(limit);
  }

  override parse(args: ParseArgs): Promise<unknown> {
    return this.#inner.parse(args);
  }

  predicate(args: PredicateArgs): boolean | Promise<boolean> {
    return this.#inner.predicate(args);
  }

  log(args: LogArgs): void {
    this.#inner.log(args);
  }

  override async run(args: RunArgs): Promise<RunResult> {
    const { request, requestId, resolutionContext } = args;
    // Only requests the wrapped handler would answer count against the quota.
    if (!(await this.#inner.test({ request, resolutionContext }))) return null;
    const verdict = this.rateLimit.admit(request);
    if (!verdict.allowed) return { handler: this, request, requestId, response: verdict.response };
    const result = await this.#inner.run(args);
    if (result?.response === undefined) return result;
    return { ...result, handler: this, response: withQuotaHeaders(result.response, verdict.headers) };
  }

  override reset(): void {
    this.#inner.reset();
    this.rateLimit.reset();
  }

  override restore(): void {
    this.#inner.restore();
  }

  override dispose(): void | Promise<void> {
    return this.#inner.dispose();
  }
}

/**
 * Put any msw request handler behind a simulated server rate limit.
 *
 * @param handler - Any msw request handler (`http.*`, `graphql.*`, your own): its resolver runs
 *   only for admitted requests.
 * @param options - The limit ({@link RateLimitOptions}), or a {@link RateLimit} shared by handlers.
 *
 * @example
 * ```ts
 * import { http, HttpResponse } from 'msw';
 * import { setupServer } from 'msw/node';
 * import { rateLimited } from 'ky-quota/msw';
 *
 * const items = rateLimited(http.get('https://api.test/items', () => HttpResponse.json([])), {
 *   algorithm: 'sliding', limit: 10, windowMs: 1000, dialect: 'github',
 * });
 * const server = setupServer(items);
 * // ... after the test:
 * expect(items.stats.rejected).toBe(0);
 * ```
 */
export function rateLimited(handler: RequestHandler, options: RateLimitOptions | RateLimit): RateLimitedHandler {
  return new RateLimitedHandler(handler, isRateLimit(options) ? options : rateLimit(options));
}

function isRateLimit(value: RateLimitOptions | RateLimit): value is RateLimit {
  return typeof (value as Partial<RateLimit>).admit === 'function';
}
