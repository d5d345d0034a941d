import { isHTTPError, type AfterResponseHook, type BeforeErrorHook, type BeforeRequestHook, type BeforeRetryHook, type Hooks, type InitHook, type Options } from 'ky';
import type { Units } from './bucket/types.ts';
import { normalizeCost } from './options.ts';
import type { CallQuota, Quota } from './quota.ts';
import type { Grant } from './store/quota-store.ts';

/** The per-request quota fields a ky call may carry in `context`. */
export interface QuotaContext {
  /** Higher goes first. */
  priority?: number;
  /** What this request spends: a number of requests, or units by name. */
  cost?: number | Readonly<Record<string, number>>;
  /** The bucket this request spends, overriding the client's `bucketKey`. */
  bucketKey?: string;
}

/** One ky call under a quota: what it spends, and the token its next attempt holds. */
interface CallState {
  readonly quota: Quota;
  readonly call: CallQuota;
  grant: Grant | undefined;
}

/** Where a call's state rides along in ky's per-call `context` (a symbol: invisible to users' keys). */
const callKey = Symbol('ky-quota call');

function readCall(options: Options, defaults: { cost: Units; priority: number }): CallQuota {
  const context = (options.context ?? {}) as QuotaContext;
  const { priority, bucketKey } = context;
  if (priority !== undefined && (typeof priority !== 'number' || !Number.isFinite(priority))) {
    throw new TypeError(`Expected \`context.priority\` to be a finite number, got \`${String(priority)}\` (${typeof priority})`);
  }
  if (bucketKey !== undefined && typeof bucketKey !== 'string') {
    throw new TypeError(`Expected \`context.bucketKey\` to be a string, got \`${String(bucketKey)}\` (${typeof bucketKey})`);
  }
  return {
    cost: context.cost === undefined ? defaults.cost : normalizeCost(context.cost, 'context.cost'),
    priority: priority ?? defaults.priority,
    bucketKey,
  };
}

function stateOf(options: { context?: unknown }, quota: Quota): CallState | undefined {
  const state = (options.context as Record<symbol, CallState | undefined> | undefined)?.[callKey];
  // Another ky-quota layer's state (a quota-wrapped instance wrapped again) is not ours to use.
  return state?.quota === quota ? state : undefined;
}

/** Wait for the attempt's token before ky builds the attempt (so ky's per-attempt `timeout` never counts the wait). */
async function acquireFor(state: CallState | undefined, request: Request): Promise<void> {
  if (state === undefined) return;
  if (state.grant !== undefined) {
    // A previous attempt's token was never sent (a hook answered instead): give it back first.
    const stale = state.grant;
    state.grant = undefined;
    await state.quota.cancel(stale);
  }
  state.grant = await state.quota.acquire(request, state.call);
}

/**
 * The hooks that put a ky instance under a quota.
 *
 * ky 2 runs `beforeRequest` once per call and `beforeRetry` before each retry: a token is taken
 * in both, so every attempt is gated, and before ky starts the attempt's `timeout`. The `init`
 * hook installs a fetch that sends the attempt with that token and shows the quota every
 * response; if no token was taken (another hook replaced the request in a way we did not see),
 * it takes one itself. `afterResponse`/`beforeError` give back a token that was never sent.
 */
export function createQuotaHooks(quota: Quota, defaults: { cost: Units; priority: number }): Hooks {
  const init: InitHook = (options) => {
    const state: CallState = { quota, call: readCall(options, defaults), grant: undefined };
    options.context = { ...options.context, [callKey]: state };
    const inner = options.fetch;
    options.fetch = async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const requestInit = input instanceof Request ? init : undefined;
      let grant = state.grant;
      state.grant = undefined;
      grant = grant === undefined ? await quota.acquire(request, state.call) : await quota.fresh(grant, request, state.call);
      // Look the global up per attempt: msw and test doubles patch `fetch` after import.
      const fetchFunction = inner ?? ((i: RequestInfo | URL, o?: RequestInit) => globalThis.fetch(i, o));
      return quota.send(grant, request, requestInit, fetchFunction);
    };
  };
  const beforeRequest: BeforeRequestHook = async ({ request, options }) => {
    await acquireFor(stateOf(options, quota), request);
  };
  const beforeRetry: BeforeRetryHook = async ({ request, options }) => {
    await acquireFor(stateOf(options, quota), request);
  };
  const release = async (options: { context?: unknown }): Promise<void> => {
    const state = stateOf(options, quota);
    if (state?.grant === undefined) return;
    const unused = state.grant;
    state.grant = undefined;
    await quota.cancel(unused);
  };
  const afterResponse: AfterResponseHook = async ({ options }) => {
    await release(options);
  };
  const beforeError: BeforeErrorHook = async ({ error, request, options }) => {
    await release(options);
    // A final 429 (ky's retries spent, or a method ky does not retry) says when the quota returns.
    return isHTTPError(error) && error.response.status === 429 ? quota.rateLimitErrorFor(error.response, request, error) : error;
  };
  return { init: [init], beforeRequest: [beforeRequest], beforeRetry: [beforeRetry], afterResponse: [afterResponse], beforeError: [beforeError] };
}
