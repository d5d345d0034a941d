import { describe, expect, it } from 'vitest';
import { Feed, type FeedHost } from '../../src/poll/feed.ts';
import type { FeedMember } from '../../src/poll/poller.ts';
import type { OutgoingPollMessage } from '../../src/poll/poll-channel.ts';
import type { ClaimMessage } from '../../src/poll/protocol.ts';
import type { Clock } from '../../src/utils/clock.ts';

/** A manual clock shared by the tabs: timers run when `advance` passes them. */
class ManualClock implements Clock {
  time = 1_000_000;
  #timers: { at: number; callback: () => void }[] = [];
  now(): number {
    return this.time;
  }
  setTimeout(callback: () => void, ms: number): unknown {
    const timer = { at: this.time + ms, callback };
    this.#timers.push(timer);
    return timer;
  }
  clearTimeout(handle: unknown): void {
    this.#timers = this.#timers.filter((timer) => timer !== handle);
  }
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      const due = this.#timers.filter((timer) => timer.at <= end).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((timer) => timer !== due);
      this.time = Math.max(this.time, due.at);
      due.callback();
    }
    this.time = end;
  }
}

/** One tab's feed of `/status`, whose fetches never answer (they end only when aborted). */
function openFeed(tabId: string, owner: string, clock: ManualClock) {
  const posted: OutgoingPollMessage[] = [];
  const fetches: AbortSignal[] = [];
  const host: FeedHost = {
    clock,
    tabId,
    ownerOf: () => owner,
    connected: false,
    hidden: () => false,
    stretch: () => 1,
    post: (message) => void posted.push(message),
    fetch: (_feed, signal) => {
      fetches.push(signal);
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true }));
    },
    demandChanged: () => {},
    removeFeed: () => {},
  };
  const feed = new Feed({ key: 'GET /status', url: '/status', share: true, maxShareBytes: 65_536, request: {} }, host);
  const poller: FeedMember = {
    dueAt: 0,
    base: 0,
    waiting: false,
    deliveredAt: undefined,
    wantedMs: 1000,
    intervalMs: 1000,
    countDropped: () => {},
    deliver: () => {},
    fail: () => {},
  };
  feed.add(poller);
  const claim = (): ClaimMessage => {
    const message = posted.find((each) => each.type === 'claim');
    if (message === undefined) throw new Error(`${tabId} posted no claim`);
    return { ...(message as Omit<ClaimMessage, 'from'>), from: tabId } as ClaimMessage;
  };
  const live = (): number => fetches.filter((signal) => !signal.aborted).length;
  return { feed, claim, live };
}

describe('Feed: tabs standing in for a late owner', () => {
  it('two that claim at once do not both yield: the lower tab id keeps its fetch', async () => {
    // Real Chromium, 1 s pollers: each yielded to the other's claim, the feed went unfetched
    // until both claims ran out (a 2.5 s gap at the server), then both fetched 9 ms apart.
    const clock = new ManualClock();
    const b = openFeed('tab-1', 'tab-0', clock);
    const c = openFeed('tab-2', 'tab-0', clock);
    clock.advance(1);
    expect(b.live() + c.live()).toBe(2);
    b.feed.onClaim(c.claim());
    c.feed.onClaim(b.claim());
    await Promise.resolve();
    expect(b.live()).toBe(1);
    expect(c.live()).toBe(0);
  });

  it('a tab standing in still yields to the owner, whatever its id', async () => {
    const clock = new ManualClock();
    const standIn = openFeed('tab-1', 'tab-9', clock);
    const owner = openFeed('tab-9', 'tab-9', clock);
    clock.advance(1);
    standIn.feed.onClaim(owner.claim());
    owner.feed.onClaim(standIn.claim());
    await Promise.resolve();
    expect(standIn.live()).toBe(0);
    expect(owner.live()).toBe(1);
  });
});
