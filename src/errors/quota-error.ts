/** The base of every error ky-quota throws; match with {@link isQuotaError} (works across realms). */
export class QuotaError extends Error {
  override name: string = 'QuotaError';
  /** The bucket the request was to spend, e.g. `https://api.example.com#3f2a9c1d`. */
  readonly bucket: string;

  constructor(message: string, bucket: string, options?: ErrorOptions) {
    super(message, options);
    this.bucket = bucket;
  }
}

const quotaErrorNames = new Set(['QuotaError', 'RateLimitError', 'QueueFullError', 'QuotaTimeoutError', 'QuotaClosedError', 'CostExceedsLimitError', 'QuotaStoreError']);

/** True for any error ky-quota threw. */
export function isQuotaError(error: unknown): error is QuotaError {
  return error instanceof QuotaError || quotaErrorNames.has((error as { name?: unknown } | null)?.name as string);
}
