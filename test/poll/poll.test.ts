import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { quotaInterval, type PollInfo, type PollIntervalEvent } from '../../src/index.ts';
import { closeTabs, fakeApi, openTabs, type Tab } from './support/harness.ts';

beforeEach(() => vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] }));
afterEach(() => vi.useRealTimers());

let tabs: Tab[] = [];
afterEach(async () => {
  await closeTabs(tabs);
  tabs = [];
});

const first = (list: readonly Tab[]): Tab => {
  const tab = list[0];
  if (tab === undefined) throw new Error('no tab');
  return tab;
};

describe('api.poll in one tab', () => {
  it('polls at its interval and hands over parsed data with its age and source', async () => {
    const api = fakeApi();
    tabs = openTabs({ count: 1, api, limit: 100, windowMs: 1000 });
    const seen: { data: unknown; info: PollInfo }[] = [];
    const handle = first(tabs).api.poll<{ url: string }>('status', { every: 500 }, (data, info) => seen.push({ data, info }));
    await vi.advanceTimersByTimeAsync(2_150);
    // The first poll waits 50 ms for another tab's recent body (none here); then one every 500 ms
    // plus the 10 ms jitter guard, counted from each send.
    expect(api.hits.map((hit) => hit.at)).toEqual([50, 560, 1070, 1580, 2090]);
    expect(seen).toHaveLength(5);
    expect(seen[0]?.data).toEqual({ url: '/status', n: 0 });
    expect(seen[0]?.info).toMatchObject({ status: 200, source: 'network', intervalMs: 500, ageMs: 0 });
    expect(handle.intervalMs).toBe(500);
    expect(handle.ageMs).toBe(40);
    handle.stop();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(api.hits).toHaveLength(5);
    expect(handle.active).toBe(false);
  });

  it('pollers of one URL share one fetch; a slower one takes the shared body without fetching', async () => {
    const api = fakeApi();
    tabs = openTabs({ count: 1, api, limit: 100, windowMs: 1000 });
    const fast: PollInfo[] = [];
    const slow: PollInfo[] = [];
    first(tabs).api.poll('status', { every: 1000 }, (_, info) => fast.push(info));
    first(tabs).api.poll('status', { every: 1000 }, (_, info) => fast.push(info));
    first(tabs).api.poll('status', { every: 3000 }, (_, info) => slow.push(info));
    await vi.advanceTimersByTimeAsync(9_500);
    expect(api.hits).toHaveLength(10);
    expect(fast).toHaveLength(20);
    expect(slow.length).toBeGreaterThanOrEqual(3);
    expect(slow.length).toBeLessThanOrEqual(4);
    expect(slow.every((info) => info.ageMs <= 1500)).toBe(true);
    // Different request headers vary the response: another feed, another fetch.
    first(tabs).api.poll('status', { every: 1000, request: { headers: { accept: 'text/plain' } } }, () => {});
    await vi.advanceTimersByTimeAsync(1_000);
    // Its own fetch at 9 550, besides the shared feed's one.
    const late = api.hits.filter((hit) => hit.at >= 9_500).map((hit) => hit.at);
    expect(late).toHaveLength(2);
    expect(late).toContain(9_550);
  });

  it('never has two polls of a feed waiting or in flight: ticks during a slow response are dropped', async () => {
    const api = fakeApi({ latencyMs: 1_250 });
    tabs = openTabs({ count: 1, api, limit: 100, windowMs: 1000 });
    const seen: PollInfo[] = [];
    const handle = first(tabs).api.poll('slow', { every: 500 }, (_, info) => seen.push(info));
    await vi.advanceTimersByTimeAsync(5_100);
    expect(api.maxInFlightPerTabUrl()).toBe(1);
    const times = api.hits.map((hit) => hit.at);
    expect(times).toHaveLength(5);
    // Each poll starts when the previous one answered, never sooner.
    for (let index = 1; index < times.length; index++) expect((times[index] ?? 0) - (times[index - 1] ?? 0)).toBeGreaterThanOrEqual(1250);
    expect(handle.dropped).toBeGreaterThanOrEqual(6);
  });

  it('an HTTP error reaches onError and the poller keeps going', async () => {
    const api = fakeApi({ status: (_, n) => (n === 1 ? 500 : 200) });
    tabs = openTabs({ count: 1, api, limit: 100, windowMs: 1000 });
    const errors: unknown[] = [];
    let data = 0;
    first(tabs).api.poll('flaky', { every: 200, onError: (error) => errors.push(error) }, () => data++);
    await vi.advanceTimersByTimeAsync(900);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('500');
    expect(data).toBe(4);
  });

  it('an aborted signal stops the poller', async () => {
    const api = fakeApi();
    tabs = openTabs({ count: 1, api, limit: 100, windowMs: 1000 });
    const controller = new AbortController();
    const handle = first(tabs).api.poll('status', { every: 100, signal: controller.signal }, () => {});
    await vi.advanceTimersByTimeAsync(300);
    controller.abort();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(api.hits).toHaveLength(3);
    expect(handle.active).toBe(false);
  });

  it('validates its options', () => {
    tabs = openTabs({ count: 1, api: fakeApi(), limit: 100, windowMs: 1000 });
    const { api } = first(tabs);
    expect(() => api.poll('x', { every: 0 }, () => {})).toThrow(/`every` to be a finite number >= 10/);
    expect(() => api.poll('x', { every: '1000' as unknown as number }, () => {})).toThrow(TypeError);
    expect(() => api.poll('x', { every: 1000, hidden: 'sleep' as 'pause' }, () => {})).toThrow(/'slow' or 'pause'/);
    expect(() => api.poll('x', { every: 1000, hiddenFactor: 0.5 }, () => {})).toThrow(RangeError);
    expect(() => api.poll('x', { every: 1000 }, undefined as unknown as () => void)).toThrow(/onData/);
  });
});

describe('fair spacing', () => {
  it('stretches every interval in proportion when the pollers want more than the quota, shows it, and shrinks back', async () => {
    const api = fakeApi();
    tabs = openTabs({ count: 1, api, limit: 10, windowMs: 1000 });
    const { api: client } = first(tabs);
    const events: PollIntervalEvent[] = [];
    client.quota.on('poll-interval', (event) => events.push(event));
    // Wanted: 4 × 10/s + 1 × 5/s = 45/s against 10/s: every interval × 4.5.
    const handles = ['a', 'b', 'c', 'd'].map((url) => client.poll(url, { every: 100 }, () => {}));
    const slow = client.poll('e', { every: 200 }, () => {});
    await vi.advanceTimersByTimeAsync(1_000);
    expect(handles.map((handle) => handle.intervalMs)).toEqual([450, 450, 450, 450]);
    expect(slow.intervalMs).toBe(900);
    const [bucket] = client.quota.snapshot();
    expect(bucket?.polling?.stretch).toBeCloseTo(4.5);
    expect(bucket?.polling?.wantedPerSecond).toBeCloseTo(45);
    expect(bucket?.polling?.allowedPerSecond).toBeCloseTo(10);
    expect(bucket?.polling?.pollers.map((poller) => poller.intervalMs)).toEqual([450, 450, 450, 450, 900]);
    expect(events.at(-1)?.stretch).toBeCloseTo(4.5);
    const from = api.hits.length;
    await vi.advanceTimersByTimeAsync(9_000);
    const counts = ['a', 'b', 'c', 'd', 'e'].map((url) => api.hits.slice(from).filter((hit) => hit.url === `/${url}`).length);
    // 9 s at 450 ms is 20 polls each; at 900 ms, 10.
    for (const count of counts.slice(0, 4)) expect(count).toBeGreaterThanOrEqual(18);
    expect(counts[4]).toBeGreaterThanOrEqual(9);
    expect(api.hits.slice(from).length).toBeLessThanOrEqual(92);
    // Quota frees up: two pollers stop, the rest shrink back to 25/s wanted → × 2.5.
    handles[0]?.stop();
    handles[1]?.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(handles[2]?.intervalMs).toBe(250);
    expect(events.at(-1)?.stretch).toBeCloseTo(2.5);
  });

  it('quotaInterval gives a refetchInterval that counts in the same share', async () => {
    tabs = openTabs({ count: 1, api: fakeApi(), limit: 10, windowMs: 1000 });
    const { api } = first(tabs);
    expect(quotaInterval(api, 'status', 1000)).toBe(1000);
    for (let index = 0; index < 19; index++) api.poll(`p${index}`, { every: 1000 }, () => {});
    await vi.advanceTimersByTimeAsync(1_500);
    // 19 pollers + 1 query at 1/s each: 20/s against 10/s.
    expect(quotaInterval(api, 'status', 1000)).toBe(2000);
    expect(() => quotaInterval(api, 'status', -1)).toThrow(RangeError);
  });
});

describe('visibility', () => {
  it('a hidden tab slows by the factor or pauses, and refreshes at once when visible again', async () => {
    const api = fakeApi();
    tabs = openTabs({ count: 1, api, limit: 100, windowMs: 1000 });
    const tab = first(tabs);
    const delivered = { slowed: 0, paused: 0 };
    const slowed = tab.api.poll('slowed', { every: 500 }, () => delivered.slowed++);
    const paused = tab.api.poll('paused', { every: 500, hidden: 'pause' }, () => delivered.paused++);
    await vi.advanceTimersByTimeAsync(600);
    tab.visibility.set('hidden');
    expect(slowed.intervalMs).toBe(2000);
    expect(paused.intervalMs).toBe(Number.POSITIVE_INFINITY);
    const hiddenAt = 600;
    await vi.advanceTimersByTimeAsync(4_000);
    const hiddenHits = api.hits.filter((hit) => hit.at > hiddenAt);
    expect(hiddenHits.filter((hit) => hit.url === '/paused')).toHaveLength(0);
    expect(hiddenHits.filter((hit) => hit.url === '/slowed').length).toBeLessThanOrEqual(2);
    const before = { ...delivered };
    tab.visibility.set('visible');
    // At once: after the 50 ms a refresh waits for another tab's recent body. The paused poller
    // fetches; the slowed one fetches too, or takes its feed's body if it is fresh enough.
    await vi.advanceTimersByTimeAsync(80);
    expect(api.hits.filter((hit) => hit.at >= 4_600).map((hit) => hit.url)).toContain('/paused');
    expect(delivered.paused).toBe(before.paused + 1);
    expect(delivered.slowed).toBe(before.slowed + 1);
    expect(paused.intervalMs).toBe(500);
  });
});

describe('tabs share bodies', () => {
  it('pollers of one URL in three tabs end up sharing one fetch per interval', async () => {
    const api = fakeApi();
    tabs = openTabs({ count: 3, api, limit: 100, windowMs: 1000 });
    const sources: string[] = [];
    const ages: number[] = [];
    for (const tab of tabs) tab.api.poll('shared', { every: 1000 }, (_, info) => (sources.push(info.source), ages.push(info.ageMs)));
    await vi.advanceTimersByTimeAsync(10_500);
    // Three tabs that start in the same millisecond all fetch once; from then on one fetches.
    expect(api.hits.filter((hit) => hit.at < 1000)).toHaveLength(3);
    expect(api.hits.filter((hit) => hit.at >= 1000)).toHaveLength(10);
    expect(sources.filter((source) => source === 'other-tab').length).toBeGreaterThanOrEqual(18);
    expect(Math.max(...ages)).toBeLessThanOrEqual(10);
  });

  it('bodies over maxShareBytes are not shared, and share: false opts out', async () => {
    const api = fakeApi({ body: (url) => (url === '/big' ? JSON.stringify('x'.repeat(2000)) : '{}') });
    tabs = openTabs({ count: 2, api, limit: 100, windowMs: 1000 });
    for (const tab of tabs) tab.api.poll('big', { every: 1000, maxShareBytes: 1000 }, () => {});
    for (const tab of tabs) tab.api.poll('own', { every: 1000, share: false }, () => {});
    await vi.advanceTimersByTimeAsync(5_500);
    const count = (url: string, tab: string): number => api.hits.filter((hit) => hit.url === url && hit.tab === tab).length;
    for (const tab of ['tab-0', 'tab-1']) {
      expect(count('/big', tab)).toBeGreaterThanOrEqual(5);
      expect(count('/own', tab)).toBe(6);
    }
  });
});
