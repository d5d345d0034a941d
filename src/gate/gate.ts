import type { Input, KyInstance, Options, ResponsePromise } from 'ky';
import type { Units } from '../bucket/types.ts';
import { cancelBody, type CoalesceGroup, type CoalesceRegistry } from '../coalesce/group.ts';
import { coalesceKey } from '../coalesce/key.ts';
import { readQuotaContext, type QuotaContext } from '../hooks.ts';
import type { CallQuota, Quota } from '../quota.ts';
import type { Grant } from '../store/quota-store.ts';
import { bodyTypes, GatedResponsePromise, type BodySource, type BodyType } from './response-promise.ts';
import { headersOf, methodOf, urlOf } from './request-parts.ts';
import type { GateTicket, SharedResponse } from './ticket.ts';

/** ky's method shortcuts (`api.get`, ...). */
export type MethodShortcut = 'get' | 'post' | 'put' | 'patch' | 'head' | 'delete' | 'query';

/** What the gates of one quota share: every instance `extend()` derives from a client. */
export interface GateShared {
  readonly quota: Quota;
  /** The `context` key under which a ticket reaches this quota's hooks. */
  readonly ticketKey: symbol;
  readonly defaults: { readonly cost: Units; readonly priority: number; readonly coalesce: boolean };
  /** Identical GETs queued or in flight, by key. */
  readonly groups: CoalesceRegistry<GateCall>;
}

const noop = (): void => undefined;

/**
 * The front gate of a ky instance under a quota: a call waits here for its first attempt's token
 * holding only its arguments, and ky builds its `Request`, `AbortController` and options only once
 * the token is granted. Identical GETs that meet here share one request.
 */
export class Gate {
  readonly shared: GateShared;
  readonly instance: KyInstance;
  /** The instance's defaults (ky's merged options of `create`/`extend`), read, never changed. */
  readonly defaults: Options;

  constructor(shared: GateShared, instance: KyInstance, defaults: Options) {
    this.shared = shared;
    this.instance = instance;
    this.defaults = defaults;
  }

  /** `api(input, options)` or `api[shortcut](input, options)`. */
  call(input: Input, options: Options | undefined, shortcut: MethodShortcut | undefined): ResponsePromise {
    if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
      throw new TypeError('The `options` argument must be an object');
    }
    const context = contextOf(this.defaults, options);
    // Validated now, as the `init` hook would: a bad `context` throws from the call itself.
    const quotaFields = readQuotaContext(context, this.shared.defaults);
    let method: string;
    let url: URL;
    let headers: Headers | undefined;
    try {
      method = methodOf(input, this.defaults, options, shortcut);
      url = urlOf(input, this.defaults, options);
      headers = headersOf(input, this.defaults, options);
    } catch {
      // Input ky will refuse (or resolve in a way we cannot): let ky say so; its hooks gate it.
      return this.#direct(input, options, shortcut);
    }
    const call = new GateCall(this, input, options, shortcut, quotaFields, signalOf(input, this.defaults, options));
    const promise = call.promise();
    const { quota } = this.shared;
    call.bucket = quota.bucketFor(url, headers?.get('authorization') ?? null, quotaFields.bucketKey, () => new Request(url, { method, headers }));
    if ((context.coalesce ?? this.shared.defaults.coalesce) && (method === 'GET' || method === 'HEAD')) {
      // One turn later: a body shortcut chained on the call (`.json()`) has chosen its `Accept` by then.
      queueMicrotask(() => this.#admit(call, method, url, headers));
    } else {
      this.enqueue(call);
    }
    return promise as unknown as ResponsePromise;
  }

  #direct(input: Input, options: Options | undefined, shortcut: MethodShortcut | undefined): ResponsePromise {
    return shortcut === undefined ? this.instance(input, options) : this.instance[shortcut](input, options);
  }

  /** Join an identical request's group, or open one and queue for the token. */
  #admit(call: GateCall, method: string, url: URL, headers: Headers | undefined): void {
    let entries = headers;
    if (call.bodyType !== undefined && !headers?.has('accept')) {
      entries = new Headers(headers);
      entries.set('accept', bodyTypes[call.bodyType]);
    }
    const key = coalesceKey(method, url.href, entries);
    if (key === undefined || call.signal?.aborted === true) {
      this.enqueue(call);
      return;
    }
    this.regroup(call, key);
  }

  /** Join the open group of `key` as a follower, or open it and queue as its primary (also for a follower whose primary gave up). */
  regroup(call: GateCall, key: string): void {
    const group = this.shared.groups.find(key);
    if (group !== undefined) {
      call.follow(group, group.primary);
      return;
    }
    call.group = this.shared.groups.open(key, call);
    this.enqueue(call);
  }

  /** Queue for the first attempt's token. */
  enqueue(call: GateCall): void {
    this.shared.quota.acquireWaiting(call).then(
      (grant) => call.start(grant),
      (error: unknown) => call.fail(error),
    );
  }
}

/**
 * One call at the gate. It is also what the scheduler queues (`bucket`, `cost`, `priority`,
 * `signal`) and the call's quota fields the hooks read: one object per waiting call.
 */
export class GateCall implements BodySource, CallQuota {
  readonly #gate: Gate;
  readonly #input: Input;
  readonly #options: Options | undefined;
  readonly #shortcut: MethodShortcut | undefined;
  readonly cost: Units;
  readonly priority: number;
  readonly bucketKey: string | undefined;
  readonly signal: AbortSignal | undefined;
  bucket = '';
  /** The coalescing group this call is the primary of. */
  group: CoalesceGroup<GateCall> | undefined;
  /** ky's promise, once the call left the gate. */
  response: ResponsePromise | undefined;
  bodyType: BodyType | undefined;
  #bodyArgument: unknown;
  #bodyResult: Promise<unknown> | undefined;
  #resolve: ((value: Response | PromiseLike<Response>) => void) | undefined;
  #reject: ((reason: unknown) => void) | undefined;
  #onAbort: (() => void) | undefined;
  /** The ticket whose token no hook took (ky ran without our hooks), until the call ends. */
  #ticket: GateTicket | undefined;
  #watched = false;
  /** A follower that aborted, or a call settled some other way. */
  left = false;

  constructor(gate: Gate, input: Input, options: Options | undefined, shortcut: MethodShortcut | undefined, fields: CallQuota, signal: AbortSignal | undefined) {
    this.#gate = gate;
    this.#input = input;
    this.#options = options;
    this.#shortcut = shortcut;
    this.cost = fields.cost;
    this.priority = fields.priority;
    this.bucketKey = fields.bucketKey;
    this.signal = signal;
  }

  /** The promise the caller holds. */
  promise(): GatedResponsePromise {
    return new GatedResponsePromise(this, (resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  deferBody(type: BodyType, argument: unknown, owner: Promise<Response>): Promise<unknown> {
    if (this.bodyType === undefined) {
      this.bodyType = type;
      this.#bodyArgument = argument;
      return owner.then(() => this.#bodyResult);
    }
    // A second shortcut before ky was called: ky would read the body twice too.
    return owner.then(() => (this.response as ResponsePromise)[type](argument as never));
  }

  /** The token is granted: call ky, handing it the token. */
  start(grant: Grant): void {
    const group = this.group;
    const ticket: GateTicket = { grant, call: this, group, shared: undefined };
    if (!this.#callKy(ticket)) {
      if (ticket.grant !== undefined) void this.#gate.shared.quota.cancel(ticket.grant);
      if (group !== undefined) this.#finishGroup(group, false, undefined);
      return;
    }
    // Our `init` hook takes the token synchronously; a token still here means ky runs without our
    // hooks (removed by `replaceOption`) or behind another gate: give it back once the call ends.
    if (ticket.grant !== undefined) this.#ticket = ticket;
    if (ticket.grant !== undefined || group?.hasLiveFollowers() === true) this.#watch();
  }

  /**
   * Act when ky's call ends: give back a token no hook took, hand the response to the followers.
   * Only calls that need it are watched (a follower joining a started primary asks for it).
   */
  #watch(): void {
    const response = this.response;
    if (this.#watched || response === undefined) return;
    this.#watched = true;
    const after = (ok: boolean, error: unknown): void => {
      const ticket = this.#ticket;
      if (ticket?.grant !== undefined) void this.#gate.shared.quota.cancel(ticket.grant);
      if (ticket !== undefined) ticket.grant = undefined;
      if (this.group !== undefined) this.#finishGroup(this.group, ok, error);
    };
    response.then(
      () => after(true, undefined),
      (error: unknown) => after(false, error),
    );
  }

  /** The gate's wait ended without a token (abort, queue full, timeout, closed). */
  fail(error: unknown): void {
    const group = this.group;
    this.#settleWith(undefined, error);
    if (group === undefined) return;
    const followers = group.liveFollowers();
    if (followers.length > 0 && this.signal?.aborted === true) {
      // Only this caller gave up: the next identical caller takes its place (at the back of the queue).
      const next = followers[0] as GateCall;
      group.remove(next);
      next.#unfollow();
      next.group = group;
      group.primary = next;
      this.#gate.enqueue(next);
      return;
    }
    group.close();
    for (const follower of followers) follower.#leave(error);
  }

  /** Wait for `group`'s primary instead of queueing. */
  follow(group: CoalesceGroup<GateCall>, primary: GateCall | undefined): void {
    group.add(this);
    if (primary !== undefined) primary.#watch();
    const { signal } = this;
    if (signal === undefined) return;
    this.#onAbort = () => this.#leave(signal.reason ?? new DOMException('This operation was aborted', 'AbortError'));
    signal.addEventListener('abort', this.#onAbort, { once: true });
  }

  /** The primary's call ended: hand its response to the followers, or let them go on their own. */
  #finishGroup(group: CoalesceGroup<GateCall>, ok: boolean, error: unknown): void {
    group.close();
    const followers = group.liveFollowers();
    for (const follower of followers) follower.#unfollow();
    const primaryAborted = this.signal?.aborted === true;
    const responses = primaryAborted ? undefined : group.share(followers.length);
    if (responses === undefined) group.discard();
    followers.forEach((follower, index) => {
      const response = responses?.[index];
      if (response !== undefined) follower.#startShared({ response, key: group.heldKey });
      else if (primaryAborted) follower.#gate.regroup(follower, group.key);
      else if (ok) follower.#gate.enqueue(follower);
      else follower.#leave(error);
    });
  }

  /** Answer with the primary's response, through ky (each caller gets ky's own result, hooks, errors). */
  #startShared(shared: SharedResponse): void {
    const ticket: GateTicket = { grant: undefined, call: this, group: undefined, shared };
    if (!this.#callKy(ticket)) cancelBody(shared.response);
  }

  /** Call ky with the ticket in `context`; false when ky threw (the call is rejected). */
  #callKy(ticket: GateTicket): boolean {
    const options = this.#options;
    const withTicket: Options = { ...options, context: { ...options?.context, [this.#gate.shared.ticketKey]: ticket } };
    const { instance } = this.#gate;
    let response: ResponsePromise;
    try {
      response = this.#shortcut === undefined ? instance(this.#input, withTicket) : instance[this.#shortcut](this.#input, withTicket);
    } catch (error) {
      this.#settleWith(undefined, error);
      return false;
    }
    this.response = response;
    if (this.bodyType !== undefined) {
      const body = (response[this.bodyType] as (argument?: unknown) => Promise<unknown>).call(response, this.#bodyArgument);
      // Handled through the caller's `.json()` promise when the call succeeds; the call's own error otherwise.
      body.catch(noop);
      this.#bodyResult = body;
    }
    this.#settleWith(response, undefined);
    return true;
  }

  #leave(reason: unknown): void {
    if (this.left) return;
    this.#unfollow();
    this.#settleWith(undefined, reason);
  }

  #unfollow(): void {
    // An aborted signal already dropped its once-listener; removing it again would cost O(listeners).
    if (this.#onAbort !== undefined && this.signal !== undefined && !this.signal.aborted) this.signal.removeEventListener('abort', this.#onAbort);
    this.#onAbort = undefined;
  }

  #settleWith(response: ResponsePromise | undefined, error: unknown): void {
    this.left = true;
    const resolve = this.#resolve;
    const reject = this.#reject;
    this.#resolve = undefined;
    this.#reject = undefined;
    if (response !== undefined) resolve?.(response);
    else reject?.(error);
  }
}

/** The merged `context` as ky will see it (a shallow merge; the call's `context: undefined` empties it). */
function contextOf(defaults: Options, options: Options | undefined): QuotaContext {
  if (options === undefined || !Object.hasOwn(options, 'context')) return (defaults.context ?? {}) as QuotaContext;
  const own = options.context;
  if (own === undefined || own === null) return {};
  return { ...defaults.context, ...own } as QuotaContext;
}

/** The signal that aborts the call (ky combines the defaults' and the call's). */
function signalOf(input: Input, defaults: Options, options: Options | undefined): AbortSignal | undefined {
  const inherited = defaults.signal ?? undefined;
  if (options !== undefined && Object.hasOwn(options, 'signal')) {
    const own = options.signal ?? undefined;
    if (own === undefined) return undefined;
    return inherited === undefined || inherited === own ? own : AbortSignal.any([inherited, own]);
  }
  return inherited ?? (input instanceof globalThis.Request ? input.signal : undefined);
}
