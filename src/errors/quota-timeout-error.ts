import { QuotaError } from './quota-error.ts';

/** The request waited `maxWaitMs` for a token and gave up; it was never sent. */
export class QuotaTimeoutError extends QuotaError {
  override name = 'QuotaTimeoutError' as const;
  readonly maxWaitMs: number;

  constructor(bucket: string, maxWaitMs: number) {
    super(`Waited ${maxWaitMs} ms for quota (maxWaitMs) without getting it; the request was not sent`, bucket);
    this.maxWaitMs = maxWaitMs;
  }
}

/** True for a {@link QuotaTimeoutError}, also across realms. */
export const isQuotaTimeoutError = (error: unknown): error is QuotaTimeoutError =>
  error instanceof QuotaTimeoutError || (error as { name?: unknown } | null)?.name === 'QuotaTimeoutError';
