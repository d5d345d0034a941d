import { isHTTPError, type AfterResponseHook, type BeforeErrorHook, type BeforeRequestHook, type BeforeRetryHook, type Hooks, type InitHook, type Options, type RetryOptions } from 'ky';
import type { Units } from './bucket/types.ts';
import type { CoalesceGroup, Follower } from './coalesce/group.ts';
import { cancelBody } from './coalesce/group.ts';
import { coalesceKeyOfRequest } from './coalesce/key.ts';
import type { GateTicket, SharedResponse } from './gate/ticket.ts';
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
  /**
   * `false`: this GET/HEAD never shares a response with identical requests queued or in flight at
   * the same time (see the client's `quota.coalesce`). Identical means same method, URL and request
   * headers (except tracing ids such as `traceparent` and `x-request-id`).
   * @default the client's `quota.coalesce` (true)
   */
  coalesce?: boolean;
}

/** One ky call under a quota: what it spends, and the token its next attempt holds. */
interface CallState {
  readonly quota: Quota;
  readonly call: CallQuota;
  grant: Grant | undefined;
  /** The grant came from the front gate and its bucket is not checked against the built request yet. */
  gated: boolean;
  /** The call is a coalescing group's primary. */
  readonly group: CoalesceGroup<Follower> | undefined;
  /** The call is a follower with a response to answer with (if its built request matches). */
  shared: SharedResponse | undefined;
  /** It answered with the shared response: ky must not retry it (the primary already did). */
  servedShared: boolean;
}

/** Where a call's state rides along in ky's per-call `context` (a symbol: invisible to users' keys). */
const callKey = Symbol('ky-quota call');

/**
 * The quota fields of a call's merged `context`, validated.
 * @throws TypeError or RangeError naming the field.
 */
export function readQuotaContext(context: QuotaContext, defaults: { cost: Units; priority: number }): CallQuota {
  const { priority, bucketKey, coalesce } = context;
  if (coalesce !== undefined && typeof coalesce !== 'boolean') {
    throw new TypeError(`Expected \`context.coalesce\` to be a boolean, got \`${String(coalesce)}\` (${typeof coalesce})`);
  }
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
  if (state === undefined || state.shared !== undefined) return;
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
 * The first attempt's token is usually taken before ky is called, at the client's front gate
 * (`src/gate/`), and reaches these hooks in `context` under `ticketKey`: `beforeRequest` only
 * checks that the built request spends that bucket. Otherwise (ky called without the gate)
 * `beforeRequest` takes it. ky 2 runs `beforeRequest` once per call, so `beforeRetry` takes each
 * retry's token: every attempt is gated, before ky starts the attempt's `timeout`. The `init`
 * hook installs a fetch that sends the attempt with that token and shows the quota every
 * response (a token held over a second is taken again); if no token was taken (another hook
 * replaced the request in a way we did not see), it takes one itself. A coalescing follower's
 * fetch answers with the primary's response instead, without a token. `afterResponse` and
 * `beforeError` give back a token that was never sent.
 */
export function createQuotaHooks(quota: Quota, defaults: { cost: Units; priority: number }, ticketKey: symbol): Hooks {
  const afterResponse: AfterResponseHook = async ({ options }) => {
    await release(options);
  };
  /**
   * Whether this call's attempts can only be sent by our fetch: no other hook can answer with a
   * `Response` instead (another `beforeRequest` or `beforeRetry`), and no init hook after ours can
   * replace the fetch or the hooks. Then every response ky sees came from our fetch, which took
   * the attempt's token, the follower's shared response and closed the group itself: `afterResponse`
   * would find nothing to give back.
   */
  const onlyOwnHooks = (hooks: Hooks | undefined): boolean => {
    const inits = hooks?.init;
    if (inits === undefined || inits.at(-1) !== init) return false;
    const requests = hooks?.beforeRequest ?? [];
    const retries = hooks?.beforeRetry ?? [];
    return requests.every((hook) => hook === beforeRequest) && retries.every((hook) => hook === beforeRetry);
  };
  const init: InitHook = (options) => {
    const context = options.context as Record<PropertyKey, unknown> | undefined;
    const ticket = context?.[ticketKey] as GateTicket | undefined;
    const state: CallState = {
      quota,
      call: ticket?.call ?? readQuotaContext((options.context ?? {}) as QuotaContext, defaults),
      grant: ticket?.grant,
      gated: ticket?.grant !== undefined,
      group: ticket?.group,
      shared: ticket?.shared,
      servedShared: false,
    };
    if (ticket !== undefined) ticket.grant = undefined;
    // ky hands init hooks a copy of the call's plain `context` to change: add to it, no second copy.
    const own = options.context as Record<PropertyKey, unknown> | undefined;
    if (own !== undefined && Object.getPrototypeOf(own) === Object.prototype) own[callKey] = state;
    else options.context = { ...own, [callKey]: state };
    // ky hands every `afterResponse` hook a clone of the response (a stream tee per call): leave
    // ours out of this call when it can have nothing to give back (see `onlyOwnHooks`).
    if (onlyOwnHooks(options.hooks)) options.hooks = { ...options.hooks, afterResponse: options.hooks?.afterResponse?.filter((hook) => hook !== afterResponse) };
    if (state.shared !== undefined) options.retry = neverAfterShared(options.retry, state);
    const inner = options.fetch;
    options.fetch = async (input, init) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const requestInit = input instanceof Request ? init : undefined;
      const { shared } = state;
      if (shared !== undefined) {
        state.shared = undefined;
        // A follower answers with the primary's response only if ky built the same request for it.
        if (shared.key !== undefined && coalesceKeyOfRequest(request) === shared.key) {
          state.servedShared = true;
          return shared.response;
        }
        cancelBody(shared.response);
      }
      let grant = state.grant;
      state.grant = undefined;
      // Look the global up per attempt: msw and test doubles patch `fetch` after import.
      const fetchFunction = inner ?? ((i: RequestInfo | URL, o?: RequestInit) => globalThis.fetch(i, o));
      try {
        if (grant === undefined) grant = await quota.acquire(request, state.call);
        else {
          const renewed = quota.fresh(grant, request, state.call);
          grant = renewed instanceof Promise ? await renewed : renewed;
        }
        const response = await quota.send(grant, request, requestInit, fetchFunction);
        state.group?.record(response, request);
        return response;
      } catch (error) {
        // An attempt that failed ends the group's joining time as a response would.
        state.group?.close();
        throw error;
      }
    };
  };
  const beforeRequest: BeforeRequestHook = async ({ request, options }) => {
    const state = stateOf(options, quota);
    if (state?.gated === true) {
      state.gated = false;
      // The usual case: the front gate took this attempt's token for the bucket the built request
      // spends. A hook that moved the request to another bucket (added a credential) gets the
      // token given back and one of the right bucket taken instead.
      if (state.grant !== undefined && quota.bucketOf(request, state.call.bucketKey) === state.grant.bucket) return;
    }
    await acquireFor(state, request);
  };
  const beforeRetry: BeforeRetryHook = async ({ request, options }) => {
    await acquireFor(stateOf(options, quota), request);
  };
  const release = async (options: { context?: unknown }): Promise<void> => {
    const state = stateOf(options, quota);
    // A hook answered or the call failed before any attempt: identical requests no longer join it.
    state?.group?.close();
    if (state?.shared !== undefined) {
      // A hook answered before the follower's fetch: nobody reads the shared copy.
      cancelBody(state.shared.response);
      state.shared = undefined;
    }
    if (state?.grant === undefined) return;
    const unused = state.grant;
    state.grant = undefined;
    await quota.cancel(unused);
  };
  const beforeError: BeforeErrorHook = async ({ error, request, options }) => {
    await release(options);
    // A final 429 (ky's retries spent, or a method ky does not retry) says when the quota returns.
    return isHTTPError(error) && error.response.status === 429 ? quota.rateLimitErrorFor(error.response, request, error) : error;
  };
  return { init: [init], beforeRequest: [beforeRequest], beforeRetry: [beforeRetry], afterResponse: [afterResponse], beforeError: [beforeError] };
}

/** A follower served the primary's response is not retried: the primary's retries were the group's. */
function neverAfterShared(retry: Options['retry'], state: CallState): RetryOptions {
  const own: RetryOptions = typeof retry === 'number' ? { limit: retry } : { ...retry };
  const { shouldRetry } = own;
  own.shouldRetry = (retryState) => (state.servedShared ? false : shouldRetry?.(retryState));
  return own;
}
