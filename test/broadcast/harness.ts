import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { BroadcastQuotaStore, type BroadcastQuotaStoreOptions } from '../../src/store/broadcast/broadcast-quota-store.ts';
import type { Grant } from '../../src/store/quota-store.ts';
import { systemClock } from '../../src/utils/clock.ts';
import { FakeBus, FakeLifecycle, FakeLockHub } from './fakes.ts';

/** One simulated tab: a store, the real scheduler in front of it, and the sends it made. */
export interface Tab {
  readonly id: string;
  readonly store: BroadcastQuotaStore;
  readonly scheduler: Scheduler;
  readonly lifecycle: FakeLifecycle;
  readonly sends: number[];
  /** Requests whose attempt ended (a grant, a send, a report). */
  completed: number;
  running: boolean;
}

export const BUCKET = 'https://api.test';

/** Tabs on one fake bus and lock hub; the model paces a configured `limit` per `windowMs`. */
export function createTabs(
  count: number,
  options: { bus?: FakeBus; hub?: FakeLockHub; store?: Partial<BroadcastQuotaStoreOptions>; limit?: number; windowMs?: number } = {},
): { tabs: Tab[]; bus: FakeBus; hub: FakeLockHub; add: (id: string) => Tab } {
  const bus = options.bus ?? new FakeBus();
  const hub = options.hub ?? new FakeLockHub();
  const add = (id: string): Tab => {
    const lifecycle = new FakeLifecycle();
    const store = new BroadcastQuotaStore({
      name: 'unit',
      tabId: id,
      channel: bus.open(id),
      locks: hub.client(id),
      lifecycle,
      random: () => 0.5,
      ...options.store,
    });
    const scheduler = new Scheduler({
      store,
      clock: systemClock,
      concurrency: Infinity,
      maxQueue: Infinity,
      maxWaitMs: Infinity,
      defaults: { limit: options.limit ?? 10, windowMs: options.windowMs ?? 1000 },
    });
    return { id, store, scheduler, lifecycle, sends: [], completed: 0, running: true };
  };
  const tabs = Array.from({ length: count }, (_, index) => add(`tab${index}`));
  return { tabs, bus, hub, add };
}

/** `loops` greedy request loops in a tab: acquire, "send" (latency ms), report 200, repeat. */
export function greedy(tab: Tab, loops: number, latency = 20): Promise<void>[] {
  return Array.from({ length: loops }, async () => {
    while (tab.running) {
      let grant: Grant;
      try {
        grant = await tab.scheduler.acquire({ bucket: BUCKET, cost: { requests: 1 }, priority: 0 });
      } catch {
        return;
      }
      if (!tab.running) return;
      tab.sends.push(Date.now());
      await new Promise((resolve) => setTimeout(resolve, latency));
      await tab.store.report(grant, { now: Date.now(), status: 200 });
      tab.scheduler.release();
      tab.completed++;
    }
  });
}

export { maxInWindow } from '../support/max-in-window.ts';

export function leaderOf(tabs: readonly Tab[]): Tab[] {
  return tabs.filter((tab) => tab.store.role === 'leader');
}

export async function closeAll(tabs: readonly Tab[]): Promise<void> {
  for (const tab of tabs) {
    tab.running = false;
    tab.scheduler.close();
    await tab.store.close();
  }
}
