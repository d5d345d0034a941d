import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { QueueFullError } from '../../src/errors/queue-full-error.ts';
import { QuotaClosedError } from '../../src/errors/quota-closed-error.ts';
import { QuotaTimeoutError } from '../../src/errors/quota-timeout-error.ts';
import { Scheduler, type SchedulerOptions } from '../../src/scheduler/scheduler.ts';
import type { Grant } from '../../src/store/quota-store.ts';
import { systemClock } from '../../src/utils/clock.ts';
import { ScriptedStore } from '../support/scripted-store.ts';

const one = { requests: 1 };

function setup(overrides: Partial<SchedulerOptions> = {}) {
  const store = new ScriptedStore();
  const scheduler = new Scheduler({
    store,
    clock: systemClock,
    concurrency: Number.POSITIVE_INFINITY,
    maxQueue: Number.POSITIVE_INFINITY,
    maxWaitMs: Number.POSITIVE_INFINITY,
    defaults: {},
    ...overrides,
  });
  return { store, scheduler };
}

/** Track the order in which acquisitions settle. */
function track(promise: Promise<Grant>, label: string, log: string[]): Promise<Grant | unknown> {
  return promise.then(
    (grant) => {
      log.push(label);
      return grant;
    },
    (error: unknown) => {
      log.push(`${label}:${(error as Error).name}`);
      return error;
    },
  );
}

describe('Scheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('grants at once while the store has tokens', async () => {
    const { store, scheduler } = setup();
    store.tokens = 2;
    const grant = await scheduler.acquire({ bucket: 'a', cost: one, priority: 0 });
    expect(grant.bucket).toBe('a');
    expect(grant.send.id).toBe(1);
    expect(scheduler.inFlight).toBe(1);
    expect(scheduler.queued).toBe(0);
  });

  it('serves FIFO within a priority and higher priorities first', async () => {
    const { store, scheduler } = setup();
    const log: string[] = [];
    const all = [
      track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), 'low-1', log),
      track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), 'low-2', log),
      track(scheduler.acquire({ bucket: 'a', cost: one, priority: 5 }), 'high-1', log),
      track(scheduler.acquire({ bucket: 'a', cost: one, priority: 5 }), 'high-2', log),
      track(scheduler.acquire({ bucket: 'a', cost: one, priority: -1 }), 'lowest', log),
    ];
    expect(scheduler.queued).toBe(5);
    store.refill('a', 5);
    await Promise.all(all);
    expect(log).toEqual(['high-1', 'high-2', 'low-1', 'low-2', 'lowest']);
  });

  it('waits until the time the store names, then asks again', async () => {
    const { store, scheduler } = setup();
    store.nextAt = Date.now() + 500;
    const log: string[] = [];
    const pending = track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), 'a', log);
    await vi.advanceTimersByTimeAsync(499);
    expect(log).toEqual([]);
    store.tokens = 1;
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(log).toEqual(['a']);
    expect(store.takes.length).toBe(2);
  });

  it('wakes on a store event before the named time', async () => {
    const { store, scheduler } = setup();
    store.nextAt = Date.now() + 60_000;
    const log: string[] = [];
    const pending = track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), 'a', log);
    await vi.advanceTimersByTimeAsync(10);
    store.refill('a', 1);
    await pending;
    expect(log).toEqual(['a']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rechecks after recheckMs when the store names no time', async () => {
    const { store, scheduler } = setup({ recheckMs: 200 });
    const log: string[] = [];
    const pending = track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), 'a', log);
    store.tokens = 1; // without telling the scheduler
    await vi.advanceTimersByTimeAsync(199);
    expect(log).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await pending;
    expect(log).toEqual(['a']);
  });

  it('passes the cost to the store', async () => {
    const { store, scheduler } = setup();
    store.tokens = 3;
    await scheduler.acquire({ bucket: 'a', cost: { requests: 3 }, priority: 0 });
    expect(store.takes[0]?.cost).toEqual({ requests: 3 });
    expect(store.tokens).toBe(0);
  });

  it('rejects with the caller’s reason when the signal aborts while queued, and frees the place', async () => {
    const { store, scheduler } = setup({ maxQueue: 1 });
    const controller = new AbortController();
    const reason = new Error('user left the page');
    const first = scheduler.acquire({ bucket: 'a', cost: one, priority: 0, signal: controller.signal });
    await expect(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 })).rejects.toBeInstanceOf(QueueFullError);
    controller.abort(reason);
    await expect(first).rejects.toBe(reason);
    expect(scheduler.queued).toBe(0);
    const log: string[] = [];
    const second = track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), 'second', log);
    store.refill('a', 1);
    await second;
    expect(log).toEqual(['second']);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { scheduler } = setup();
    const reason = new Error('already');
    await expect(scheduler.acquire({ bucket: 'a', cost: one, priority: 0, signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    expect(scheduler.queued).toBe(0);
  });

  it('an aborted head lets the next waiter take its place', async () => {
    const { store, scheduler } = setup();
    const controller = new AbortController();
    const log: string[] = [];
    const head = track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0, signal: controller.signal }), 'head', log);
    const next = track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), 'next', log);
    controller.abort();
    await head;
    store.refill('a', 1);
    await next;
    expect(log).toEqual(['head:AbortError', 'next']);
  });

  it('times out waiters after maxWaitMs with QuotaTimeoutError, in arrival order, with one timer', async () => {
    const { scheduler } = setup({ maxWaitMs: 1000 });
    const log: string[] = [];
    const first = track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), 'first', log);
    await vi.advanceTimersByTimeAsync(400);
    const second = track(scheduler.acquire({ bucket: 'b', cost: one, priority: 0 }), 'second', log);
    await vi.advanceTimersByTimeAsync(600);
    await first;
    expect(log).toEqual(['first:QuotaTimeoutError']);
    await vi.advanceTimersByTimeAsync(400);
    await second;
    expect(log).toEqual(['first:QuotaTimeoutError', 'second:QuotaTimeoutError']);
    expect(scheduler.queued).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('QuotaTimeoutError names the bucket and the wait', async () => {
    const { scheduler } = setup({ maxWaitMs: 50 });
    const pending = scheduler.acquire({ bucket: 'api', cost: one, priority: 0 }).catch((error: unknown) => error);
    await vi.advanceTimersByTimeAsync(50);
    const error = (await pending) as QuotaTimeoutError;
    expect(error).toBeInstanceOf(QuotaTimeoutError);
    expect(error.bucket).toBe('api');
    expect(error.maxWaitMs).toBe(50);
    expect(error.message).toMatch(/50 ms/);
  });

  it('caps attempts in flight at `concurrency` and lets the next go on release', async () => {
    const { store, scheduler } = setup({ concurrency: 2 });
    store.tokens = 10;
    const log: string[] = [];
    const all = [1, 2, 3].map((n) => track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), `r${n}`, log));
    await vi.advanceTimersByTimeAsync(0);
    expect(log).toEqual(['r1', 'r2']);
    expect(scheduler.inFlight).toBe(2);
    scheduler.release();
    await Promise.all(all);
    expect(log).toEqual(['r1', 'r2', 'r3']);
  });

  it('keeps buckets independent', async () => {
    const { store, scheduler } = setup();
    const log: string[] = [];
    const a = track(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), 'a', log);
    const b = track(scheduler.acquire({ bucket: 'b', cost: one, priority: 0 }), 'b', log);
    store.refill('b', 1);
    await b;
    expect(log).toEqual(['b']);
    expect(scheduler.queuedIn('a')).toBe(1);
    store.refill('a', 1);
    await a;
  });

  it('works with an asynchronous store', async () => {
    const { store, scheduler } = setup();
    store.async = true;
    store.tokens = 2;
    const grants = await Promise.all([
      scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }),
      scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }),
    ]);
    expect(grants.map((grant) => grant.send.id)).toEqual([1, 2]);
  });

  it('an async grant whose waiter aborted meanwhile is reported back, not leaked', async () => {
    const { store, scheduler } = setup();
    store.async = true;
    store.tokens = 1;
    const controller = new AbortController();
    const pending = scheduler.acquire({ bucket: 'a', cost: one, priority: 0, signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await vi.advanceTimersByTimeAsync(0);
    expect(store.reports.length).toBe(1);
    expect(store.reports[0]?.observation.status).toBeUndefined();
    expect(scheduler.inFlight).toBe(0);
  });

  it('onIdle resolves when nothing waits and nothing is in flight', async () => {
    const { store, scheduler } = setup();
    await scheduler.onIdle();
    let idle = false;
    const pending = scheduler.acquire({ bucket: 'a', cost: one, priority: 0 });
    void scheduler.onIdle().then(() => {
      idle = true;
    });
    store.refill('a', 1);
    await pending;
    await vi.advanceTimersByTimeAsync(0);
    expect(idle).toBe(false);
    scheduler.release();
    await vi.advanceTimersByTimeAsync(0);
    expect(idle).toBe(true);
  });

  it('close() rejects every waiter with QuotaClosedError, clears its timers and unsubscribes', async () => {
    const { store, scheduler } = setup({ maxWaitMs: 10_000 });
    store.nextAt = Date.now() + 5000;
    const pending = [scheduler.acquire({ bucket: 'a', cost: one, priority: 0 }), scheduler.acquire({ bucket: 'b', cost: one, priority: 1 })];
    await vi.advanceTimersByTimeAsync(0);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    scheduler.close();
    for (const promise of pending) await expect(promise).rejects.toBeInstanceOf(QuotaClosedError);
    expect(vi.getTimerCount()).toBe(0);
    expect(store.listenerCount).toBe(0);
    await expect(scheduler.acquire({ bucket: 'a', cost: one, priority: 0 })).rejects.toBeInstanceOf(QuotaClosedError);
  });

  it('holds 100,000 waiters and rejects them all promptly when their signal aborts', async () => {
    const { scheduler } = setup();
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const pending: Promise<unknown>[] = [];
    for (let index = 0; index < 100_000; index++) {
      // Each ky request carries its own signal following the caller's (AbortSignal.any), as here.
      const signal = AbortSignal.any([controller.signal]);
      pending.push(scheduler.acquire({ bucket: 'a', cost: one, priority: index % 3, signal }).catch((error: unknown) => error));
    }
    expect(scheduler.queued).toBe(100_000);
    controller.abort(reason);
    const settled = await Promise.all(pending);
    expect(settled.every((error) => error === reason)).toBe(true);
    expect(scheduler.queued).toBe(0);
  }, 30_000);
});
