import { afterEach, describe, expect, it } from 'vitest';
import { browserChannel } from '../../src/store/broadcast/ports.ts';
import { defaultStore } from '../../src/store/default-store.ts';
import { FakeLockHub } from './fakes.ts';
import { closeAll, createTabs, greedy, leaderOf, maxInWindow, type Tab } from './harness.ts';

describe('on Node’s real BroadcastChannel', () => {
  let tabs: Tab[] = [];
  afterEach(async () => {
    await closeAll(tabs);
    tabs = [];
  });

  it('shares one window among three instances and survives a leader crash', async () => {
    const hub = new FakeLockHub();
    // A name per test: Node's channels reach every thread of the process.
    const name = `node-channel-${Math.random()}`;
    const created = createTabs(0, { hub, limit: 20, store: { name, channel: browserChannel } });
    tabs = ['a', 'b', 'c'].map((id) => created.add(id));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(leaderOf(tabs)).toHaveLength(1);
    for (const tab of tabs) void Promise.all(greedy(tab, 3, 10));
    await new Promise((resolve) => setTimeout(resolve, 1200));
    const [old] = leaderOf(tabs);
    if (old === undefined) throw new Error('no leader');
    old.running = false;
    await old.store.close();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(leaderOf(tabs.filter((tab) => tab !== old))).toHaveLength(1);
    const all = tabs.flatMap((tab) => tab.sends);
    // Send-time jitter of a real event loop: the grant log is exact, sends may lag it by a few ms.
    expect(maxInWindow(all, 1000)).toBeLessThanOrEqual(21);
    expect(all.length).toBeGreaterThanOrEqual(40);
  });

  it('stays in memory in Node by default, although Node has BroadcastChannel and navigator.locks', async () => {
    const store = defaultStore({ name: 'x' });
    expect(store.kind).toBe('memory');
    await store.close();
  });
});
