import type { QuotaContext } from '../hooks.ts';
import type { Cost, QuotaOptions } from '../options.ts';
import type { Quota } from '../quota.ts';

/** The built-in body estimators, by name: `'openai'` is `estimateChatCost`, `'anthropic'` is `estimateAnthropicCost`. */
export type CostEstimatorName = 'openai' | 'anthropic';

/** What a {@link CostFunction} sees of one request. */
export interface CostInput {
  /** The request's URL, method and headers (its body is in `text` and `body`). */
  readonly request: Request;
  /** The body as text when it is a string, bytes, or a JSON `Request` body; `undefined` for streams, forms, blobs. */
  readonly text: string | undefined;
  /** `text` parsed as JSON, when it is JSON. */
  readonly body: unknown;
}

/**
 * Prices one request from what it sends.
 * @example
 * ```ts
 * const cost: CostFunction = ({ body }) => estimateChatCost(body, { defaultOutputTokens: 4096 });
 * ```
 */
export type CostFunction = (input: CostInput) => Cost | Promise<Cost>;

/** Options of {@link createQuotaFetch}. */
export interface QuotaFetchOptions {
  /**
   * The quota to spend: an existing one (a ky client's `api.quota`, so both share its buckets),
   * or options for a new one.
   * @default a new quota with default options
   * @example { quota: api.quota }
   */
  quota?: Quota | QuotaOptions;
  /**
   * The fetch that sends each attempt. Looked up on `globalThis` per call when absent, so msw and
   * test doubles installed later take effect.
   * @default globalThis.fetch
   */
  fetch?: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  /**
   * What each request spends: a {@link Cost} (`{ requests: 1, tokens: 1200 }`), the name of a
   * body estimator (`'openai'`, `'anthropic'`), or a {@link CostFunction}. A call's own
   * `init.quota.cost` wins.
   * @default the quota options' `cost`, else 1 request
   * @example { cost: 'openai' }
   */
  cost?: Cost | CostEstimatorName | CostFunction;
  /**
   * The priority of this fetch's requests; higher goes first. A call's own `init.quota.priority` wins.
   * @default the quota options' `priority`, else 0
   */
  priority?: number;
}

/** `RequestInit` plus the per-call quota fields, all optional. */
export interface QuotaRequestInit extends RequestInit {
  /** This call's cost, priority or bucket (as ky's `context`); never sent to the server. */
  quota?: QuotaContext;
}

/**
 * A `fetch` whose every call waits for the quota, then sends once and shows the quota the
 * response. Hand it to any SDK that takes a custom fetch.
 */
export type QuotaFetch = ((input: RequestInfo | URL, init?: QuotaRequestInit) => Promise<Response>) & {
  /** The quota it spends: `snapshot()`, `on('limited')`, `onIdle()`, `close()`. */
  readonly quota: Quota;
};
