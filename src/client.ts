import ky, { type KyInstance, type Options, type RetryOptions } from 'ky';
import { CoalesceRegistry } from './coalesce/group.ts';
import type { GateCall } from './gate/gate.ts';
import { gatedInstance } from './gate/gated-instance.ts';
import { createQuotaHooks } from './hooks.ts';
import { normalizeQuotaOptions, type QuotaOptions } from './options.ts';
import { Quota } from './quota.ts';
import { pollFunction } from './poll/poll-api.ts';
import type { PollFunction } from './poll/types.ts';

/** Options of {@link createClient}: any ky 2 option, plus `quota`. */
export interface ClientOptions extends Options {
  /** How the client spends the API's quota; every field is optional. */
  quota?: QuotaOptions;
}

/**
 * A real ky instance (`extend()`, hooks and retry all work) with its quota at `.quota`. Its calls
 * wait for their first token before ky builds the request, so a queued call holds little memory;
 * `extend()` gives an instance under the same quota (`create()` one without any defaults: plain ky).
 */
export type QuotaKyInstance = {
  /** ky's `extend()`: a new instance with some defaults overridden, under the same quota. */
  extend: (defaultOptions: Options | ((parentOptions: Options) => Options)) => QuotaKyInstance;
  /** The quota: `snapshot()`, `on('limited')`, `onIdle()`, `close()`. */
  readonly quota: Quota;
  /** Poll a URL within the quota (see docs/polling.md): `api.poll('status', { every: 2000 }, (data, info) => ...)`. */
  readonly poll: PollFunction;
} & KyInstance;

function retryWithCap(retry: Options['retry'], maxRetryAfterMs: number): RetryOptions {
  if (typeof retry === 'number') return { limit: retry, maxRetryAfter: maxRetryAfterMs };
  const own = retry?.maxRetryAfter;
  return { ...retry, maxRetryAfter: own === undefined ? maxRetryAfterMs : Math.min(own, maxRetryAfterMs) };
}

/**
 * Put an existing ky instance under a quota, in one line. The result is a new ky instance (the
 * original is untouched) whose every attempt waits for a token and whose every response teaches
 * the quota the server's limit.
 *
 * @example
 * ```ts
 * import ky from 'ky';
 * import { withQuota } from 'ky-quota';
 *
 * const github = withQuota(ky.create({ baseUrl: 'https://api.github.com/', headers: { authorization } }));
 * const repos = await github.get('user/repos').json();
 * ```
 */
export function withQuota(instance: KyInstance, quotaOptions?: QuotaOptions): QuotaKyInstance {
  const options = normalizeQuotaOptions(quotaOptions);
  const quota = new Quota(options);
  // The gate hands its token to the hooks under this key (one per quota: layered quotas each find theirs).
  const ticketKey = Symbol('ky-quota ticket');
  const defaults = { cost: options.cost, priority: options.priority };
  const extended = instance.extend((parent) => ({
    hooks: createQuotaHooks(quota, defaults, ticketKey),
    retry: retryWithCap(parent.retry, options.maxRetryAfterMs),
  }));
  const shared = { quota, ticketKey, defaults: { ...defaults, coalesce: options.coalesce }, groups: new CoalesceRegistry<GateCall>() };
  // `extend()` of the gated instance is gated and decorated too: the cast states what gatedInstance builds.
  return gatedInstance(shared, extended, (gated) => Object.assign(gated, { quota, poll: pollFunction(gated, quota) }) as QuotaKyInstance);
}

/**
 * Create a ky client that learns the API's rate limit from its responses and sends as fast as
 * the API allows, never faster.
 *
 * @example
 * ```ts
 * import { createClient } from 'ky-quota';
 *
 * const api = createClient({ baseUrl: 'https://api.example.com/' });
 * const items = await api.get('items').json();
 * console.log(api.quota.snapshot());
 * await api.quota.close();
 * ```
 */
export function createClient(options: ClientOptions = {}): QuotaKyInstance {
  const { quota, ...kyOptions } = options;
  return withQuota(ky.create(kyOptions), quota);
}
