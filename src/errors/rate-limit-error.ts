import { QuotaError } from './quota-error.ts';

/**
 * The server refused the request for its rate limit and it was not retried (again): ky's retry
 * limit was reached, the method is not retried, or the server asked for a wait longer than
 * `quota.maxRetryAfterMs`. `retryAt` says when the quota returns, when the server said.
 */
export class RateLimitError extends QuotaError {
  override name = 'RateLimitError' as const;
  /** Epoch ms when the server said the quota returns, when it said. */
  readonly retryAt: number | undefined;
  /** The last response (429, 503, or a 403 limit). */
  readonly response: Response | undefined;
  /** The request that was refused. */
  readonly request: Request | undefined;

  constructor(options: {
    bucket: string;
    retryAt?: number | undefined;
    response?: Response | undefined;
    request?: Request | undefined;
    reason?: string;
    cause?: unknown;
  }) {
    const when = options.retryAt === undefined ? '' : `; the quota returns at ${new Date(options.retryAt).toISOString()}`;
    const status = options.response ? ` (HTTP ${options.response.status})` : '';
    super(`${options.reason ?? 'Rate limited by the server'}${status}${when}`, options.bucket, { cause: options.cause });
    this.retryAt = options.retryAt;
    this.response = options.response;
    this.request = options.request;
  }
}

/** True for a {@link RateLimitError}, also across realms. */
export const isRateLimitError = (error: unknown): error is RateLimitError =>
  error instanceof RateLimitError || (error as { name?: unknown } | null)?.name === 'RateLimitError';
