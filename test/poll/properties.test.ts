/**
 * Properties of polling under fake timers: tabs in one process (a shared memory store, a channel
 * hub), pollers drawn at random. `npm test` runs few with a fixed seed; `KYQ_PROPERTY_RUNS=200
 * KYQ_SEED=random` runs them long (see test/properties/support/config.ts).
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { params, timeoutFor } from '../properties/support/config.ts';
import { closeTabs, fakeApi, maxInWindow, openTabs } from './support/harness.ts';

beforeEach(() => vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] }));
afterEach(() => vi.useRealTimers());

interface PollerSpec {
  readonly tab: number;
  readonly url: number;
  readonly every: number;
}

/** What each poller lived: when data arrived and how old it was. */
interface Lived {
  readonly spec: PollerSpec;
  readonly deliveries: { readonly at: number; readonly fetchedAt: number }[];
}

async function simulate(tabCount: number, specs: readonly PollerSpec[], limit: number, durationMs: number): Promise<{ lived: Lived[]; api: ReturnType<typeof fakeApi>; startedAt: number }> {
  const api = fakeApi();
  const tabs = openTabs({ count: tabCount, api, limit, windowMs: 1000 });
  const startedAt = Date.now();
  const lived = specs.map((spec) => {
    const record: Lived = { spec, deliveries: [] };
    tabs[spec.tab]?.api.poll(`u${spec.url}`, { every: spec.every }, (_, info) => record.deliveries.push({ at: Date.now() - startedAt, fetchedAt: info.fetchedAt - startedAt }));
    return record;
  });
  await vi.advanceTimersByTimeAsync(durationMs);
  await closeTabs(tabs);
  return { lived, api, startedAt };
}

/** The oldest a poller's data got between `from` and the end: just before each delivery, and at the end. */
function maxAge(record: Lived, from: number, end: number): number {
  let oldest = 0;
  let previous: number | undefined;
  for (const delivery of record.deliveries) {
    if (delivery.at >= from && previous !== undefined) oldest = Math.max(oldest, delivery.at - previous);
    previous = delivery.fetchedAt;
  }
  if (previous !== undefined) oldest = Math.max(oldest, end - previous);
  return oldest;
}

const everyMs = fc.constantFrom(500, 1000, 2000);

describe('coalescing across pollers and tabs', () => {
  it(
    'one fetch of a URL per interval for all its pollers in all tabs, at most one in flight per tab, and data never older than 1.5 intervals',
    async () => {
      const scenario = fc
        .record({ tabs: fc.integer({ min: 1, max: 3 }), urls: fc.integer({ min: 1, max: 3 }) })
        .chain(({ tabs, urls }) =>
          fc.record({
            tabs: fc.constant(tabs),
            pollers: fc.array(fc.record({ tab: fc.integer({ min: 0, max: tabs - 1 }), url: fc.integer({ min: 0, max: urls - 1 }), every: everyMs }), { minLength: 1, maxLength: 8 }),
          }),
        );
      await fc.assert(
        fc.asyncProperty(scenario, async ({ tabs, pollers }) => {
          const duration = 12_000;
          const settled = 3_000;
          const { lived, api } = await simulate(tabs, pollers, 1000, duration);
          expect(api.maxInFlightPerTabUrl()).toBe(1);
          for (const url of new Set(pollers.map((poller) => poller.url))) {
            const shortest = Math.min(...pollers.filter((poller) => poller.url === url).map((poller) => poller.every));
            const fetches = api.hits.filter((hit) => hit.url === `/u${url}` && hit.at >= settled).length;
            // One per (interval + its 1 % jitter guard), plus one for the window's edge.
            expect(fetches).toBeLessThanOrEqual(Math.floor((duration - settled) / shortest) + 1);
          }
          for (const record of lived) expect(maxAge(record, settled, duration)).toBeLessThanOrEqual(1.5 * record.spec.every);
        }),
        params(25),
      );
    },
    timeoutFor(25, 400),
  );
});

describe('fair spacing', () => {
  it(
    'wanting more than the quota stretches every poller alike: none starves, none gets more than its share, the quota is used and never exceeded',
    async () => {
      const scenario = fc.record({
        tabs: fc.integer({ min: 1, max: 2 }),
        limit: fc.integer({ min: 4, max: 30 }),
        pollers: fc.array(fc.record({ tab: fc.integer({ min: 0, max: 1 }), every: fc.integer({ min: 100, max: 2000 }) }), { minLength: 1, maxLength: 16 }),
      });
      await fc.assert(
        fc.asyncProperty(scenario, async ({ tabs, limit, pollers }) => {
          const specs = pollers.map((poller, index) => ({ tab: poller.tab % tabs, url: index, every: poller.every }));
          const duration = 15_000;
          const settled = 3_000;
          const { api } = await simulate(tabs, specs, limit, duration);
          const span = duration - settled;
          const hits = api.hits.filter((hit) => hit.at >= settled);
          // The quota's gate never lets more than the limit through.
          expect(maxInWindow(hits.map((hit) => hit.at), 1000)).toBeLessThanOrEqual(limit);
          const wanted = specs.reduce((sum, spec) => sum + 1000 / spec.every, 0);
          const stretch = Math.max(1, wanted / limit);
          // Each poller's share: its wanted rate over the stretch (and its interval's jitter guard).
          const shares = specs.map((spec) => {
            const expected = span / (spec.every * stretch + Math.max(10, spec.every * stretch * 0.01));
            const got = hits.filter((hit) => hit.url === `/u${spec.url}`).length;
            return { expected, got };
          });
          for (const { expected, got } of shares) {
            // No poller starves, none gets more than its share (one poll of slack at each edge).
            expect(got).toBeGreaterThanOrEqual(Math.floor(expected * 0.85) - 1);
            expect(got).toBeLessThanOrEqual(Math.ceil(expected) + 1);
          }
          // Stretched to the quota, the pollers use most of it.
          if (stretch > 1) expect(hits.length / ((span / 1000) * limit)).toBeGreaterThanOrEqual(0.85);
        }),
        params(25),
      );
    },
    timeoutFor(25, 600),
  );
});
