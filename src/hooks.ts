import { isHTTPError, type BeforeErrorHook, type InitHook, type Options } from 'ky';
import { normalizeCost } from './options.ts';
import type { CallQuota, Quota } from './quota.ts';

/** ky's default per-attempt timeout, which ky-quota applies itself once a token is granted. */
const kyDefaultTimeout = 10_000;

/** The per-request quota fields a ky call may carry in `context`. */
export interface QuotaContext {
  /** Higher goes first. */
  priority?: number;
  /** What this request spends. */
  cost?: number | Readonly<Record<string, number>>;
  /** The bucket this request spends, overriding the client's `bucketKey`. */
  bucketKey?: string;
}

function readCall(options: Options, defaults: { cost: CallQuota['cost']; priority: number }): CallQuota {
  const context = (options.context ?? {}) as QuotaContext;
  const { priority, bucketKey } = context;
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isFinite(priority))) {
    throw new TypeError(`Expected \`context.priority\` to be a finite number, got \`${String(priority)}\` (${typeof priority})`);
  }
  if (bucketKey !== undefined && typeof bucketKey !== 'string') {
    throw new TypeError(`Expected \`context.bucketKey\` to be a string, got \`${String(bucketKey)}\` (${typeof bucketKey})`);
  }
  const timeout = options.timeout ?? kyDefaultTimeout;
  return {
    cost: context.cost === undefined ? defaults.cost : normalizeCost(context.cost, 'context.cost'),
    priority: priority ?? defaults.priority,
    bucketKey,
    timeout: timeout === false ? false : timeout,
  };
}

/**
 * The `init` hook that puts a ky call under the quota: every attempt (retries included) goes
 * through a fetch that first waits for a token. ky 2 runs `beforeRequest` once per call, so a
 * limiter there would not gate retries; wrapping `fetch` gates each attempt. ky's per-attempt
 * `timeout` is taken over and started once the token is granted, so waiting in the queue never
 * counts as a timed-out attempt (ky's `totalTimeout`, if set, still bounds everything).
 */
export function createInitHook(quota: Quota, defaults: { cost: CallQuota['cost']; priority: number }): InitHook {
  return (options) => {
    const call = readCall(options, defaults);
    const inner = options.fetch;
    options.timeout = false;
    options.fetch = (input, init) => {
      const request = input instanceof Request && init === undefined ? input : new Request(input, init);
      // Look the global up per attempt: msw and test doubles patch `fetch` after import.
      const fetchFunction = inner ?? ((i: RequestInfo | URL, o?: RequestInit) => globalThis.fetch(i, o));
      return quota.attempt(request, input instanceof Request ? init : undefined, fetchFunction, call);
    };
  };
}

/**
 * The `beforeError` hook that turns a final 429 (ky's retries spent, or a method ky does not
 * retry) into a {@link RateLimitError} that says when the quota returns.
 */
export function createBeforeErrorHook(quota: Quota): BeforeErrorHook {
  return ({ error, request }) =>
    isHTTPError(error) && error.response.status === 429 ? quota.rateLimitErrorFor(error.response, request, error) : error;
}
