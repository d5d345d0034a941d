import { QuotaError } from './quota-error.ts';

/** The wait queue already held `maxQueue` requests: this one was refused at once, never sent. */
export class QueueFullError extends QuotaError {
  override name = 'QueueFullError' as const;
  readonly maxQueue: number;

  constructor(bucket: string, maxQueue: number) {
    super(`The quota's wait queue is full (maxQueue: ${maxQueue}); the request was not sent`, bucket);
    this.maxQueue = maxQueue;
  }
}

/** True for a {@link QueueFullError}, also across realms. */
export const isQueueFullError = (error: unknown): error is QueueFullError =>
  error instanceof QueueFullError || (error as { name?: unknown } | null)?.name === 'QueueFullError';
