import type { Units } from '../bucket/types.ts';
import { estimateAnthropicCost } from '../cost/anthropic.ts';
import { estimateChatCost } from '../cost/openai.ts';
import { normalizeCost } from '../options.ts';
import type { Cost } from '../options.ts';
import { bodyText, parseJson } from './request.ts';
import type { CostEstimatorName, CostFunction } from './types.ts';

/** Prices one call: fixed units need no look at the body; estimators and functions read it. */
export type Pricing = { readonly kind: 'fixed'; readonly units: Units } | { readonly kind: 'function'; readonly price: CostFunction };

const estimators: Readonly<Record<CostEstimatorName, CostFunction>> = {
  openai: ({ body }) => estimateChatCost(body),
  anthropic: ({ body }) => estimateAnthropicCost(body),
};

/**
 * Validate the `cost` option once, at creation.
 * @throws TypeError or RangeError naming `cost` for anything but a cost, an estimator name or a function.
 */
export function pricingOf(cost: Cost | CostEstimatorName | CostFunction | undefined, fallback: Units): Pricing {
  if (cost === undefined) return { kind: 'fixed', units: fallback };
  if (typeof cost === 'function') return { kind: 'function', price: cost };
  if (typeof cost === 'string') {
    const price = Object.hasOwn(estimators, cost) ? estimators[cost] : undefined;
    if (price === undefined) throw new TypeError(`Expected \`cost\` to name an estimator ('openai', 'anthropic'), got \`${cost}\``);
    return { kind: 'function', price };
  }
  return { kind: 'fixed', units: normalizeCost(cost, 'cost') };
}

/** The units one call spends. */
export async function priceCall(pricing: Pricing, request: Request, input: RequestInfo | URL, init: RequestInit | undefined): Promise<Units> {
  if (pricing.kind === 'fixed') return pricing.units;
  const text = await bodyText(input, init);
  return normalizeCost(await pricing.price({ request, text, body: parseJson(text) }), 'cost()');
}
