import { QuotaError } from './quota-error.ts';

/** `quota.close()` was called while the request waited for a token; it was never sent. */
export class QuotaClosedError extends QuotaError {
  override name = 'QuotaClosedError' as const;

  constructor(bucket: string) {
    super('The quota was closed while the request waited; the request was not sent', bucket);
  }
}

/** True for a {@link QuotaClosedError}, also across realms. */
export const isQuotaClosedError = (error: unknown): error is QuotaClosedError =>
  error instanceof QuotaClosedError || (error as { name?: unknown } | null)?.name === 'QuotaClosedError';
