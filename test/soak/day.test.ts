/**
 * 24 simulated hours of polling at the limit under fake timers, the limit changing every hour:
 * heap flat, no timer leak, no listener leak, nothing lost.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createClient, MemoryQuotaStore } from '../../src/index.ts';
import { createEndpoint } from '../../src/msw/endpoint.ts';
import { countingClock } from '../support/counting-clock.ts';
import { runUntil, T0 } from '../properties/support/sim.ts';

beforeEach(() => vi.useFakeTimers({ now: T0, toFake: ['Date', 'setTimeout', 'clearTimeout'] }));
afterEach(() => vi.useRealTimers());

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const heapMb = (): number => {
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

const HOUR = 3_600_000;
const limits = Array.from({ length: 24 }, (_, hour) => [6, 12, 3, 9, 10, 4][hour % 6] ?? 6);

it('24 h at the limit, limit changing hourly: 0 lost, 0 overshoot, heap, timers and listeners flat', async () => {
  const endpoint = createEndpoint({
    algorithm: 'sliding',
    dialect: 'ietf',
    limit: limits[0] ?? 6,
    windowMs: 60_000,
    recordTimes: false,
    schedule: limits.map((limit, hour) => ({ atMs: hour * HOUR, limit })),
  });
  const clock = countingClock();
  const store = new MemoryQuotaStore();
  let storeListeners = 0;
  const subscribe = store.subscribe.bind(store);
  store.subscribe = (listener) => {
    storeListeners++;
    const off = subscribe(listener);
    return () => {
      storeListeners--;
      return off();
    };
  };
  const controller = new AbortController();
  const shared = controller.signal;
  let signalListeners = 0;
  const add = shared.addEventListener.bind(shared);
  const remove = shared.removeEventListener.bind(shared);
  shared.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
    signalListeners++;
    add(...args);
  }) as AbortSignal['addEventListener'];
  shared.removeEventListener = ((...args: Parameters<AbortSignal['removeEventListener']>) => {
    signalListeners--;
    remove(...args);
  }) as AbortSignal['removeEventListener'];

  let sent = 0;
  let ok = 0;
  let failed = 0;
  const fetchStub: typeof fetch = () =>
    new Promise((resolve) => {
      setTimeout(() => {
        const reply = endpoint.handle();
        setTimeout(() => resolve(new Response(JSON.stringify(reply.body), { status: reply.status, headers: reply.headers })), 20);
      }, 20);
    });
  const api = createClient({ baseUrl: 'https://api.soak/', fetch: fetchStub, timeout: false, quota: { clock, store } });
  // Three pollers, each sending its next request as soon as the last one answered.
  let polling = true;
  const poll = async (): Promise<void> => {
    while (polling) {
      sent++;
      try {
        await api.get('status', { signal: shared }).json();
        ok++;
      } catch {
        failed++;
      }
    }
  };
  const pollers = [poll(), poll(), poll()];
  const samples: { hour: number; heap: number; timers: number; signalListeners: number; storeListeners: number }[] = [];
  for (let hour = 1; hour <= 24; hour++) {
    await runUntil(() => Date.now() >= T0 + hour * HOUR, HOUR + 1);
    if (hour === 2 || hour % 6 === 0) samples.push({ hour, heap: heapMb(), timers: clock.pending, signalListeners, storeListeners });
  }
  polling = false;
  await runUntil(() => api.quota.queued === 0 && api.quota.inFlight === 0, 10 * 60_000);
  await Promise.all(pollers);
  const stats = endpoint.stats;
  console.log(`soak: ${JSON.stringify({ sent, ok, failed, accepted: stats.accepted, rejected: stats.rejected, samples })}`);
  expect(failed).toBe(0);
  expect(ok).toBe(sent);
  // Every hour the limit drops, the requests in flight under the old limit may meet the new one:
  // at most one 429 per drop (ky retries it; none is lost). No 429 in any other hour.
  const drops = limits.filter((limit, hour) => hour > 0 && limit < (limits[hour - 1] ?? 0)).length;
  expect(stats.rejected).toBeLessThanOrEqual(drops);
  // Polling at the limit: at least 90 % of what 24 hours of these limits allow.
  const allowed = limits.reduce((sum, limit) => sum + limit * 60, 0);
  expect(stats.accepted).toBeGreaterThan(allowed * 0.9);
  const [first] = samples;
  const last = samples.at(-1);
  expect(last!.heap - first!.heap).toBeLessThan(8);
  for (const sample of samples) {
    expect(sample.timers).toBeLessThanOrEqual(4);
    expect(sample.signalListeners).toBeLessThanOrEqual(3);
    expect(sample.storeListeners).toBe(1);
  }
  await api.quota.close();
  expect(clock.pending).toBe(0);
  expect(storeListeners).toBe(0);
  expect(signalListeners).toBe(0);
}, 120_000);
