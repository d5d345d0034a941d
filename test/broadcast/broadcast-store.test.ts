import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Election } from '../../src/store/broadcast/election.ts';
import { quotaNames } from '../../src/store/broadcast/names.ts';
import { systemClock } from '../../src/utils/clock.ts';
import { FakeLockHub } from './fakes.ts';
import { BUCKET, closeAll, createTabs, greedy, leaderOf, maxInWindow } from './harness.ts';

describe('BroadcastQuotaStore (fake bus, fake locks, fake clock)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: Date.parse('2026-11-23T12:00:00.000Z'), toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('elects one leader and paces a single greedy tab to exactly the limit per window', async () => {
    const { tabs, bus, hub } = createTabs(1);
    const [tab] = tabs;
    if (tab === undefined) throw new Error('no tab');
    await vi.advanceTimersByTimeAsync(1);
    expect(tab.store.role).toBe('leader');
    greedy(tab, 5);
    await vi.advanceTimersByTimeAsync(3000);
    expect(maxInWindow(tab.sends, 1000)).toBe(10);
    expect(tab.sends.length).toBeGreaterThanOrEqual(30);
    await closeAll(tabs);
    expect(bus.openPorts).toBe(0);
    expect(hub.size).toBe(0);
  });

  it('shares one window among five greedy tabs, fairly', async () => {
    const { tabs, bus, hub } = createTabs(5, { limit: 20 });
    await vi.advanceTimersByTimeAsync(1);
    expect(leaderOf(tabs)).toHaveLength(1);
    for (const tab of tabs) greedy(tab, 4);
    await vi.advanceTimersByTimeAsync(5000);
    const all = tabs.flatMap((tab) => tab.sends);
    expect(maxInWindow(all, 1000)).toBeLessThanOrEqual(20);
    expect(all.length).toBeGreaterThanOrEqual(95);
    const fair = all.length / 5;
    for (const tab of tabs) expect(tab.sends.length).toBeGreaterThan(fair / 3);
    await closeAll(tabs);
    expect(bus.openPorts).toBe(0);
    expect(hub.size).toBe(0);
  });

  it('keeps at most maxInFlight grants unreported across all tabs, and frees the slots of a tab that vanished', async () => {
    const { tabs } = createTabs(3, { limit: 50, store: { maxInFlight: 2 } });
    await vi.advanceTimersByTimeAsync(1);
    const [first] = tabs;
    if (first === undefined) throw new Error('no tab');
    // A grant whose tab never reports (it closed with the request in flight).
    const acquired = first.scheduler.acquire({ bucket: BUCKET, cost: { requests: 1 }, priority: 0 });
    await vi.advanceTimersByTimeAsync(200);
    await acquired;
    for (const tab of tabs) greedy(tab, 3, 100);
    await vi.advanceTimersByTimeAsync(3000);
    const all = tabs.flatMap((tab) => tab.sends);
    // Sends take 100 ms: in any 100 ms at most one more than the cap less the stranded grant.
    expect(maxInWindow(all, 99)).toBeLessThanOrEqual(1);
    expect(all.length).toBeGreaterThanOrEqual(25);
    await vi.advanceTimersByTimeAsync(60_000);
    const later = Date.now();
    await vi.advanceTimersByTimeAsync(3000);
    expect(maxInWindow(tabs.flatMap((tab) => tab.sends).filter((at) => at >= later), 99)).toBe(2);
    await closeAll(tabs);
    const { BroadcastQuotaStore } = await import('../../src/store/broadcast/broadcast-quota-store.ts');
    expect(() => new BroadcastQuotaStore({ maxInFlight: 0 })).toThrow(RangeError);
  });

  it('takes over when the leader crashes mid-window, without a second window at once', async () => {
    const { tabs, bus, hub } = createTabs(4, { limit: 20 });
    await vi.advanceTimersByTimeAsync(1);
    for (const tab of tabs) greedy(tab, 4);
    await vi.advanceTimersByTimeAsync(1500);
    const [old] = leaderOf(tabs);
    if (old === undefined) throw new Error('no leader');
    const crashAt = Date.now();
    old.running = false;
    bus.partition(old.id);
    hub.crash(old.id);
    await vi.advanceTimersByTimeAsync(50);
    const survivors = tabs.filter((tab) => tab !== old);
    expect(leaderOf(survivors)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3000);
    const all = tabs.flatMap((tab) => tab.sends);
    expect(maxInWindow(all, 1000)).toBeLessThanOrEqual(20);
    expect(survivors.flatMap((tab) => tab.sends).filter((at) => at > crashAt + 1000).length).toBeGreaterThanOrEqual(35);
    await closeAll(tabs);
    expect(bus.openPorts).toBe(0);
  });

  it('steals once from a wedged leader, fences its late grants, and it steps down', async () => {
    const { tabs, hub, bus } = createTabs(4, { limit: 20 });
    await vi.advanceTimersByTimeAsync(1);
    for (const tab of tabs) greedy(tab, 3);
    await vi.advanceTimersByTimeAsync(1200);
    const [old] = leaderOf(tabs);
    if (old === undefined) throw new Error('no leader');
    // A wedge: nothing in or out of the leader's tab for 5 s (its event loop is blocked).
    old.running = false;
    bus.partition(old.id);
    await vi.advanceTimersByTimeAsync(5000);
    expect(hub.steals).toHaveLength(1);
    const leaders = leaderOf(tabs.filter((tab) => tab !== old));
    expect(leaders).toHaveLength(1);
    bus.partition(old.id, false);
    old.running = true;
    greedy(old, 3);
    await vi.advanceTimersByTimeAsync(3000);
    expect(old.store.role).toBe('follower');
    expect(hub.steals).toHaveLength(1);
    expect(maxInWindow(tabs.flatMap((tab) => tab.sends), 1000)).toBeLessThanOrEqual(20);
    await closeAll(tabs);
  });

  it('two tabs that decide to steal at the same moment: only one steals', async () => {
    const hub = new FakeLockHub();
    const names = quotaNames('unit');
    const elected: string[] = [];
    const elections = ['a', 'b', 'c'].map(
      (tabId) => new Election({ locks: hub.client(tabId), names, tabId, clock: systemClock, onElected: () => elected.push(tabId), onDeposed: () => {} }),
    );
    for (const election of elections) election.start();
    await vi.advanceTimersByTimeAsync(1);
    expect(elected).toEqual(['a']);
    // b and c both saw the wedged leader a and their thresholds passed in the same tick.
    elections[1]?.steal();
    elections[2]?.steal();
    await vi.advanceTimersByTimeAsync(1);
    expect(hub.steals).toHaveLength(1);
    expect(elected).toHaveLength(2);
    // The steal lock is let go soon after: a later wedge can be handled again.
    await vi.advanceTimersByTimeAsync(1500);
    const stealer = elected[1] === 'b' ? elections[1] : elections[2];
    expect(stealer?.leading).toBe(true);
    for (const election of elections) election.stop();
    await vi.advanceTimersByTimeAsync(1);
    expect(hub.size).toBe(0);
  });

  it('stays within the limit and live when 10 % of messages drop and delays reorder them', async () => {
    let seed = 7;
    const random = (): number => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed / 2_147_483_647;
    };
    const { tabs, bus } = createTabs(4, { limit: 20 });
    bus.faults = { drop: () => random() < 0.1, delay: () => Math.floor(random() * 5) };
    await vi.advanceTimersByTimeAsync(1);
    for (const tab of tabs) greedy(tab, 3);
    await vi.advanceTimersByTimeAsync(6000);
    const all = tabs.flatMap((tab) => tab.sends);
    expect(maxInWindow(all, 1000)).toBeLessThanOrEqual(20);
    expect(all.length).toBeGreaterThan(60);
    for (const tab of tabs) expect(tab.sends.length).toBeGreaterThan(0);
    await closeAll(tabs);
  });

  it('pushes grants to a hidden tab whose timers would sleep', async () => {
    const { tabs } = createTabs(3, { limit: 20 });
    await vi.advanceTimersByTimeAsync(1);
    const follower = tabs.find((tab) => tab.store.role === 'follower');
    if (follower === undefined) throw new Error('no follower');
    follower.lifecycle.visible = false;
    for (const tab of tabs) greedy(tab, 3);
    await vi.advanceTimersByTimeAsync(4000);
    expect(follower.sends.length).toBeGreaterThan(80 / 3 / 3);
    await closeAll(tabs);
  });

  it('shares a 429 pause with every tab', async () => {
    const { tabs } = createTabs(3, { limit: 20 });
    await vi.advanceTimersByTimeAsync(1);
    const [first] = tabs;
    if (first === undefined) throw new Error('no tab');
    const acquired = first.scheduler.acquire({ bucket: BUCKET, cost: { requests: 1 }, priority: 0 });
    await vi.advanceTimersByTimeAsync(200); // past the new leader's settle
    const grant = await acquired;
    const reported = first.store.report(grant, { now: Date.now(), status: 429, parsed: { policies: [], retryAt: Date.now() + 2000 } });
    await vi.advanceTimersByTimeAsync(1);
    const result = await reported;
    first.scheduler.release();
    expect(result.pausedUntil).toBeGreaterThan(Date.now());
    const pausedAt = Date.now();
    for (const tab of tabs) greedy(tab, 2);
    await vi.advanceTimersByTimeAsync(1500);
    expect(tabs.flatMap((tab) => tab.sends).filter((at) => at > pausedAt)).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2000);
    expect(tabs.flatMap((tab) => tab.sends).length).toBeGreaterThan(0);
    await closeAll(tabs);
  });

  it('a second copy of a grant it took (a re-sent request answered twice) is not given back', async () => {
    const { tabs, bus } = createTabs(2, { limit: 10 });
    await vi.advanceTimersByTimeAsync(1);
    const follower = tabs.find((tab) => tab.store.role === 'follower');
    if (follower === undefined) throw new Error('no follower');
    const seen: { type?: string; to?: string; from?: string }[] = [];
    bus.faults = { drop: (message) => (seen.push(message as (typeof seen)[number]), false) };
    const acquired = follower.scheduler.acquire({ bucket: BUCKET, cost: { requests: 1 }, priority: 0 });
    await vi.advanceTimersByTimeAsync(200);
    await acquired;
    const grant = seen.find((message) => message.type === 'grant' && message.to === follower.id);
    if (grant === undefined) throw new Error('no grant seen');
    // The leader answers a re-sent request with the grant it already gave: deliver that copy.
    const spy = bus.open('spy')(quotaNames('unit').channel);
    spy.post(grant);
    await vi.advanceTimersByTimeAsync(5);
    expect(seen.filter((message) => message.type === 'report' && message.from === follower.id)).toHaveLength(0);
    spy.close();
    await closeAll(tabs);
  });

  it('a frozen tab leaves and rejoins; its answers read after the freeze teach no round trip', async () => {
    const run = async (frozen: boolean): Promise<number> => {
      const { tabs, bus } = createTabs(2, { limit: 10 });
      await vi.advanceTimersByTimeAsync(1);
      const follower = tabs.find((tab) => tab.store.role === 'follower');
      if (follower === undefined) throw new Error('no follower');
      const reports: unknown[] = [];
      bus.faults = { drop: (message) => (reports.push(message), false) };
      const acquired = follower.scheduler.acquire({ bucket: BUCKET, cost: { requests: 1 }, priority: 0 });
      await vi.advanceTimersByTimeAsync(200); // past the settle
      const grant = await acquired;
      // 5 s with the request in flight: frozen (its answer is read when the tab runs again), or
      // a server that really took that long.
      if (frozen) follower.lifecycle.suspend();
      await vi.advanceTimersByTimeAsync(5000);
      if (frozen) {
        expect(bus.openPorts).toBe(1);
        follower.lifecycle.wake();
        await vi.advanceTimersByTimeAsync(1);
        expect(bus.openPorts).toBe(2);
      }
      const reported = follower.store.report(grant, { now: Date.now(), status: 200 });
      await vi.advanceTimersByTimeAsync(1);
      await reported;
      follower.scheduler.release();
      const sent = reports.findLast((message) => (message as { type?: string }).type === 'report') as { observation: { status?: number } } | undefined;
      expect(sent?.observation.status).toBe(frozen ? undefined : 200);
      const from = Date.now();
      for (const tab of tabs) greedy(tab, 2);
      await vi.advanceTimersByTimeAsync(2000);
      const count = tabs.flatMap((tab) => tab.sends).filter((at) => at >= from).length;
      await closeAll(tabs);
      return count;
    };
    // Frozen: the pace of 10 per second goes on. A slow server's 5 s is a true round trip: the
    // leader holds each slot for window + 5 s (what one late-read answer used to cause).
    expect(await run(true)).toBeGreaterThanOrEqual(18);
    expect(await run(false)).toBeLessThanOrEqual(10);
  });

  it('a frozen leader hands over at once and rejoins as a follower', async () => {
    const { tabs, hub } = createTabs(3, { limit: 20 });
    await vi.advanceTimersByTimeAsync(1);
    const [leader] = leaderOf(tabs);
    if (leader === undefined) throw new Error('no leader');
    for (const tab of tabs) greedy(tab, 2);
    await vi.advanceTimersByTimeAsync(500);
    leader.lifecycle.suspend();
    leader.running = false;
    await vi.advanceTimersByTimeAsync(5);
    const others = tabs.filter((tab) => tab !== leader);
    expect(leaderOf(others)).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(3000);
    leader.lifecycle.wake();
    leader.running = true;
    greedy(leader, 2);
    await vi.advanceTimersByTimeAsync(1500);
    expect(leader.store.role).toBe('follower');
    expect(leader.sends.filter((at) => at > Date.now() - 1000).length).toBeGreaterThan(0);
    expect(hub.steals).toHaveLength(0);
    expect(maxInWindow(tabs.flatMap((tab) => tab.sends), 1000)).toBeLessThanOrEqual(20);
    await closeAll(tabs);
  });

  it('leaves on pagehide (channel closed, lock released) and rejoins on pageshow', async () => {
    const { tabs, hub, bus } = createTabs(2, { limit: 20 });
    await vi.advanceTimersByTimeAsync(1);
    const [leader] = leaderOf(tabs);
    const other = tabs.find((tab) => tab !== leader);
    if (leader === undefined || other === undefined) throw new Error('no tabs');
    leader.lifecycle.freeze();
    await vi.advanceTimersByTimeAsync(1);
    expect(bus.openPorts).toBe(1);
    expect(other.store.role).toBe('leader');
    leader.lifecycle.resume();
    await vi.advanceTimersByTimeAsync(1);
    expect(bus.openPorts).toBe(2);
    expect(leader.store.role).toBe('follower');
    greedy(leader, 2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(leader.sends.length).toBeGreaterThan(0);
    await closeAll(tabs);
    expect(hub.size).toBe(0);
    expect(leader.lifecycle.listeners).toBe(0);
  });
});

describe('BroadcastQuotaStore without Web Locks', () => {
  it('falls back to a local bucket with a share of the limit, never a message-only election', async () => {
    const { BroadcastQuotaStore } = await import('../../src/store/broadcast/broadcast-quota-store.ts');
    const store = new BroadcastQuotaStore({ locks: null, fallbackShare: 0.5 });
    expect(store.role).toBe('local');
    const defaults = { limit: 10, windowMs: 1000 };
    const now = Date.now();
    let granted = 0;
    for (let index = 0; index < 10; index++) {
      const decision = await store.take({ bucket: 'b', cost: { requests: 1 }, now, defaults });
      if (decision.ok) granted++;
    }
    expect(granted).toBe(5);
    expect(() => new BroadcastQuotaStore({ locks: null, fallbackShare: 0 })).toThrow(RangeError);
    await store.close();
  });
});
