import { QuotaModel } from '../../../src/bucket/quota-model.ts';

/** One `QuotaModel` call and its answer: `['take', now, cost, decision]` or `['observe', send, observation, result]`. */
export type ModelCall = unknown[];

/**
 * Records every call into this page's quota models (the leader's, or the memory store's) with its
 * answer, for a replay in Node (`replay-model.ts`). The pages turn it on with `?modellog`.
 */
export function recordModelCalls(into: ModelCall[], cap = 200_000): void {
  const take = QuotaModel.prototype.take;
  const observe = QuotaModel.prototype.observe;
  QuotaModel.prototype.take = function (this: QuotaModel, now, cost) {
    const decision = take.call(this, now, cost);
    if (into.length < cap) into.push(['take', now, cost, decision]);
    return decision;
  };
  QuotaModel.prototype.observe = function (this: QuotaModel, send, observation) {
    const result = observe.call(this, send, observation);
    if (into.length < cap) into.push(['observe', send, observation, result]);
    return result;
  };
}
