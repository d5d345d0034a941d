/** The scheduler turns the model's 'too-large' into CostExceedsLimitError for that waiter only. */
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { CostExceedsLimitError, isCostExceedsLimitError, isQuotaError } from '../../src/index.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { MemoryQuotaStore } from '../../src/store/memory-quota-store.ts';
import { systemClock } from '../../src/utils/clock.ts';
import { ScriptedStore } from '../support/scripted-store.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function scheduler(store: ScriptedStore | MemoryQuotaStore, defaults = {}) {
  return new Scheduler({ store, clock: systemClock, concurrency: Infinity, maxQueue: Infinity, maxWaitMs: Infinity, defaults });
}

it('rejects the head at once with a typed error and serves the next waiter', async () => {
  const store = new MemoryQuotaStore();
  const queue = scheduler(store, { limit: 5, windowMs: 1000 });
  const big = queue.acquire({ bucket: 'b', cost: { requests: 6 }, priority: 1 });
  const small = queue.acquire({ bucket: 'b', cost: { requests: 1 }, priority: 0 });
  const error = await big.catch((reason: unknown) => reason);
  expect(error).toBeInstanceOf(CostExceedsLimitError);
  expect(error).toMatchObject({ name: 'CostExceedsLimitError', bucket: 'b', unit: 'requests', cost: 6, limit: 5 });
  expect(isCostExceedsLimitError(error)).toBe(true);
  expect(isQuotaError(error)).toBe(true);
  expect(isCostExceedsLimitError({ name: 'CostExceedsLimitError' })).toBe(true);
  await expect(small).resolves.toMatchObject({ bucket: 'b' });
  expect(queue.queued).toBe(0);
});

it('after an async take, rejects only a head that is itself too large', async () => {
  const store = new ScriptedStore();
  store.async = true;
  const take = store.take.bind(store);
  let answer: 'too-large' | 'scripted' = 'too-large';
  store.take = (request) => {
    if (answer === 'scripted') return take(request);
    answer = 'scripted';
    store.takes.push(request);
    return Promise.resolve({ ok: false, retryAt: undefined, reason: 'too-large', unit: 'requests', limit: 2 } as const);
  };
  const queue = scheduler(store);
  const controller = new AbortController();
  const aborted = queue.acquire({ bucket: 'b', cost: { requests: 3 }, priority: 0, signal: controller.signal }).catch((reason: unknown) => reason);
  const fits = queue.acquire({ bucket: 'b', cost: { requests: 1 }, priority: 0 });
  // The too-large waiter leaves while its take is under way: the next head fits and keeps waiting.
  controller.abort(new Error('gone'));
  await vi.advanceTimersByTimeAsync(0);
  expect(await aborted).toMatchObject({ message: 'gone' });
  store.refill('b', 1);
  await expect(fits).resolves.toMatchObject({ bucket: 'b' });
});
