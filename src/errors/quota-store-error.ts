import { QuotaError } from './quota-error.ts';

/**
 * The quota store could not be reached (Redis unreachable at start, lost mid-run, or too slow to
 * answer): the request was not sent. Raised only with `onStoreError: 'fail'`; with `'local'` the
 * store falls back to a conservative local quota instead.
 */
export class QuotaStoreError extends QuotaError {
  override name = 'QuotaStoreError' as const;
  /** Which store failed: `'redis'`. */
  readonly store: string;

  constructor(bucket: string, store: string, message: string, options?: ErrorOptions) {
    super(message, bucket, options);
    this.store = store;
  }
}

/** True for a {@link QuotaStoreError}, also across realms (and across the main and `ky-quota/redis` bundles). */
export const isQuotaStoreError = (error: unknown): error is QuotaStoreError =>
  error instanceof QuotaStoreError || (error as { name?: unknown } | null)?.name === 'QuotaStoreError';
