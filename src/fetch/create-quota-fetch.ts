import type { Units } from '../bucket/types.ts';
import type { QuotaContext } from '../hooks.ts';
import { normalizeCost, normalizeQuotaOptions } from '../options.ts';
import { Quota, type CallQuota } from '../quota.ts';
import { priceCall, pricingOf } from './cost.ts';
import { gateRequest } from './request.ts';
import type { QuotaFetch, QuotaFetchOptions, QuotaRequestInit } from './types.ts';

const describe = (value: unknown): string => `\`${String(value)}\` (${typeof value})`;

function finitePriority(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`Expected \`${name}\` to be a finite number, got ${describe(value)}`);
  return value;
}

/** `init` without our `quota` field: the real fetch (and its server) never sees it. */
function withoutQuota(init: QuotaRequestInit): RequestInit {
  const { quota: _ours, ...rest } = init;
  return rest;
}

/** The signal fetch itself would obey: `init.signal` (even `null`) over the `Request`'s. */
function signalOf(input: RequestInfo | URL, init: RequestInit | undefined): AbortSignal | undefined {
  if (init !== undefined && 'signal' in init) return init.signal ?? undefined;
  return input instanceof Request ? input.signal : undefined;
}

function readContext(context: QuotaContext): { bucketKey: string | undefined; priority: number | undefined } {
  if (typeof context !== 'object' || context === null) throw new TypeError(`Expected \`init.quota\` to be an object, got ${describe(context)}`);
  const { bucketKey } = context;
  if (bucketKey !== undefined && typeof bucketKey !== 'string') throw new TypeError(`Expected \`init.quota.bucketKey\` to be a string, got ${describe(bucketKey)}`);
  return { bucketKey, priority: finitePriority('init.quota.priority', context.priority) };
}

/**
 * A `fetch` over a quota, for any SDK that takes a custom `fetch` (OpenAI, Anthropic, Octokit,
 * Supabase, Stripe...) or for plain `fetch(url, init)` calls. Every call waits for the quota,
 * then sends exactly once and shows the quota the response: it never retries on its own, so the
 * SDK's retry stays in charge and each of its attempts is gated in turn. It never throws for a
 * 429/503 either (not even one asking for more than `maxRetryAfterMs`): the SDK gets the
 * response and decides, as it would without us. A rejection of this fetch means the request was
 * not sent (a quota error, an abort) or the network failed; SDKs report those as connection
 * errors, with ours in `error.cause`.
 *
 * Share a ky client's quota with `createQuotaFetch({ quota: api.quota })`: both spend the same
 * buckets. The wait for the quota counts against the SDK's own request timeout.
 *
 * @example
 * ```ts
 * import OpenAI from 'openai';
 * import { createQuotaFetch } from 'ky-quota';
 *
 * const fetch = createQuotaFetch({ cost: 'openai' });
 * const openai = new OpenAI({ fetch });
 * const reply = await openai.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 200, messages });
 * console.log(fetch.quota.snapshot());
 * ```
 * @example
 * ```ts
 * // Plain fetch calls, with a per-call cost; and the same buckets as a ky client.
 * const api = createClient({ baseUrl: 'https://api.example.com/' });
 * const fetch = createQuotaFetch({ quota: api.quota });
 * await fetch('https://api.example.com/batch', { method: 'POST', body, quota: { cost: 10 } });
 * ```
 */
export function createQuotaFetch(options: QuotaFetchOptions = {}): QuotaFetch {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected options to be an object, got ${describe(options)}`);
  const { fetch: inner } = options;
  if (inner !== undefined && typeof inner !== 'function') throw new TypeError(`Expected \`fetch\` to be a function, got ${describe(inner)}`);
  let quota: Quota;
  let defaults: { cost: Units; priority: number };
  if (options.quota instanceof Quota) {
    quota = options.quota;
    defaults = { cost: { requests: 1 }, priority: 0 };
  } else {
    const normalized = normalizeQuotaOptions(options.quota);
    quota = new Quota(normalized);
    defaults = { cost: normalized.cost, priority: normalized.priority };
  }
  const pricing = pricingOf(options.cost, defaults.cost);
  const priority = finitePriority('priority', options.priority) ?? defaults.priority;

  const quotaFetch = async (input: RequestInfo | URL, init?: QuotaRequestInit): Promise<Response> => {
    const context = init?.quota;
    const forwarded = context === undefined ? init : withoutQuota(init as QuotaRequestInit);
    const request = gateRequest(input, forwarded);
    const own = context === undefined ? undefined : readContext(context);
    const cost =
      context?.cost === undefined ? await priceCall(pricing, request, input, forwarded) : normalizeCost(context.cost, 'init.quota.cost');
    const call: CallQuota = { cost, priority: own?.priority ?? priority, bucketKey: own?.bucketKey, signal: signalOf(input, forwarded) };
    const grant = await quota.fresh(await quota.acquire(request, call), request, call);
    // Look the global up per call: msw and test doubles patch `fetch` after import.
    const send = inner ?? globalThis.fetch;
    return quota.send(grant, request, forwarded, () => send(input, forwarded), { rejectLongWaits: false });
  };
  return Object.defineProperty(quotaFetch, 'quota', { value: quota, enumerable: true }) as QuotaFetch;
}
