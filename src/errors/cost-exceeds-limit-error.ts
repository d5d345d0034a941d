import { QuotaError } from './quota-error.ts';

/**
 * The request costs more of a unit than the server's whole limit for it (a 50,000-token call
 * against a 40,000 tokens-per-minute policy): no wait could ever let it through, so it was
 * rejected at once and never sent.
 */
export class CostExceedsLimitError extends QuotaError {
  override name = 'CostExceedsLimitError' as const;
  /** The unit the request needs too much of: `'requests'`, `'tokens'`, `'input-tokens'`... */
  readonly unit: string;
  /** What the request costs in that unit. */
  readonly cost: number;
  /** The policy's whole limit in that unit. */
  readonly limit: number;

  constructor(options: { bucket: string; unit: string; cost: number; limit: number }) {
    super(
      `The request costs ${options.cost} ${options.unit}, more than the whole limit of ${options.limit} ${options.unit}; ` +
        'it can never be sent (split it, or lower its cost)',
      options.bucket,
    );
    this.unit = options.unit;
    this.cost = options.cost;
    this.limit = options.limit;
  }
}

/** True for a {@link CostExceedsLimitError}, also across realms. */
export const isCostExceedsLimitError = (error: unknown): error is CostExceedsLimitError =>
  error instanceof CostExceedsLimitError || (error as { name?: unknown } | null)?.name === 'CostExceedsLimitError';
