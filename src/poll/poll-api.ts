import type { KyInstance } from 'ky';
import type { Quota } from '../quota.ts';
import { PollRegistry, type PollRegistryOptions } from './poll-registry.ts';
import type { PollFunction } from './types.ts';

/** Tuning for a client's pollers: `configurePolling(api, options)`. */
export type PollingOptions = Omit<PollRegistryOptions, 'client' | 'quota'>;

interface Slot {
  readonly client: KyInstance;
  registry: PollRegistry | undefined;
}

/** Each quota's client and its registry, created on first use (a client that never polls opens no channel). */
const slots = new WeakMap<Quota, Slot>();

function registryOf(quota: Quota, options: PollingOptions = {}): PollRegistry {
  const slot = slots.get(quota);
  if (slot === undefined) throw new TypeError('Expected a client from createClient() or withQuota() (its `quota` has no polling attached)');
  if (slot.registry === undefined) {
    slot.registry = new PollRegistry({ ...options, client: slot.client, quota });
    quota.attachPolling(slot.registry);
  }
  return slot.registry;
}

/**
 * The `poll` function of a quota-wrapped ky instance (`createClient`/`withQuota` attach it as
 * `api.poll`).
 * @internal
 */
export function pollFunction(client: KyInstance, quota: Quota): PollFunction {
  if (!slots.has(quota)) slots.set(quota, { client, registry: undefined });
  return (url, options, onData) => registryOf(quota).poll(url, options, onData);
}

/**
 * Tune a client's polling before its first `poll()`: the share of the quota the pollers aim at,
 * the channel, the visibility source, the clock.
 *
 * @example
 * ```ts
 * const api = createClient({ baseUrl: 'https://api.example.com/' });
 * configurePolling(api, { utilization: 0.8 }); // leave a fifth of the quota to other requests
 * ```
 * @throws TypeError when the client already polls (the settings would not apply to running pollers).
 */
export function configurePolling(api: { readonly quota: Quota }, options: PollingOptions): void {
  const slot = slots.get(api.quota);
  if (slot?.registry !== undefined) throw new TypeError('configurePolling() must come before the first poll() or quotaInterval() of this client');
  const utilization = options.utilization;
  if (utilization !== undefined && (typeof utilization !== 'number' || !(utilization > 0) || utilization > 1)) {
    throw new RangeError(`Expected \`utilization\` to be a number > 0 and <= 1, got \`${String(utilization)}\` (${typeof utilization})`);
  }
  registryOf(api.quota, options);
}

/**
 * A `refetchInterval` for TanStack Query or a `refreshInterval` for SWR: the interval the quota
 * affords a wish of `wantedMs` for `key`, shared fairly with every `api.poll()` and every other
 * `quotaInterval()` of the client, in all tabs. The wish counts while it is asked again (each
 * refetch asks), and stops counting a few intervals after the query stops.
 *
 * @param bucket the bucket the query spends, when the client has several (default: its first).
 *
 * @example
 * ```ts
 * // TanStack Query
 * useQuery({ queryKey: ['status'], queryFn: () => api.get('status').json(), refetchInterval: () => quotaInterval(api, 'status', 2000) });
 * // SWR
 * useSWR('status', (url) => api.get(url).json(), { refreshInterval: () => quotaInterval(api, 'status', 2000) });
 * ```
 */
export function quotaInterval(api: { readonly quota: Quota }, key: string, wantedMs: number, bucket?: string): number {
  if (typeof key !== 'string') throw new TypeError(`Expected \`key\` to be a string, got \`${String(key)}\` (${typeof key})`);
  if (typeof wantedMs !== 'number' || !Number.isFinite(wantedMs) || wantedMs <= 0) {
    throw new RangeError(`Expected \`wantedMs\` to be a finite number > 0, got \`${String(wantedMs)}\` (${typeof wantedMs})`);
  }
  return Math.round(registryOf(api.quota).interval(key, wantedMs, bucket));
}
