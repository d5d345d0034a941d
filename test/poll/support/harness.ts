/**
 * Tabs in one process for the polling tests: clients sharing one memory store (one quota), a
 * channel hub standing in for BroadcastChannel, a settable visibility, and a fake API that
 * records every request. Everything runs on vitest's fake timers.
 */
import { configurePolling, createClient, MemoryQuotaStore, type QuotaKyInstance } from '../../../src/index.ts';
import type { ChannelPort, OpenChannel } from '../../../src/store/broadcast/ports.ts';
import type { PollVisibility, VisibilityChange } from '../../../src/poll/visibility.ts';

/** A BroadcastChannel stand-in: messages reach every other port of the same name, cloned, a tick later. */
export function channelHub(): { open: OpenChannel; posted: () => number } {
  const ports = new Map<string, Set<{ listener: ((message: unknown) => void) | undefined }>>();
  let posted = 0;
  const open: OpenChannel = (name) => {
    const self: { listener: ((message: unknown) => void) | undefined } = { listener: undefined };
    let members = ports.get(name);
    if (members === undefined) {
      members = new Set();
      ports.set(name, members);
    }
    members.add(self);
    const all = members;
    const port: ChannelPort = {
      post: (message) => {
        posted++;
        const copy = structuredClone(message);
        for (const other of all) if (other !== self) setTimeout(() => other.listener?.(copy), 0);
      },
      listen: (listener) => {
        self.listener = listener;
      },
      close: () => {
        all.delete(self);
        self.listener = undefined;
      },
    };
    return port;
  };
  return { open, posted: () => posted };
}

/** A visibility the test flips. */
export class FakeVisibility implements PollVisibility {
  hidden = false;
  readonly #listeners = new Set<(change: VisibilityChange) => void>();
  isHidden(): boolean {
    return this.hidden;
  }
  subscribe(listener: (change: VisibilityChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
  set(change: VisibilityChange): void {
    if (change === 'hidden') this.hidden = true;
    if (change === 'visible') this.hidden = false;
    for (const listener of this.#listeners) listener(change);
  }
}

/** One request as the fake API saw it. */
export interface Hit {
  readonly url: string;
  /** ms since the API was created. */
  readonly at: number;
  readonly tab: string;
}

/** Options of {@link fakeApi}. */
export interface FakeApiOptions {
  /** Response latency, ms. @default 20 */
  readonly latencyMs?: number;
  /** Body text per URL. @default JSON `{ url, n }` */
  readonly body?: (url: string, n: number) => string;
  /** Status per request. @default 200 */
  readonly status?: (url: string, n: number) => number;
}

/** The API: answers after `latencyMs`, records each request, and counts requests in flight. */
export function fakeApi(options: FakeApiOptions = {}): { fetchFor: (tab: string) => typeof fetch; hits: Hit[]; maxInFlightPerTabUrl: () => number } {
  const hits: Hit[] = [];
  const inFlight = new Map<string, number>();
  const startedAt = Date.now();
  let maxInFlight = 0;
  let n = 0;
  const fetchFor = (tab: string): typeof fetch =>
    (async (input: RequestInfo | URL, init?: RequestInit) => {
      const request = input instanceof Request ? input : new Request(input, init);
      const url = new URL(request.url).pathname + new URL(request.url).search;
      const id = `${tab} ${url}`;
      const count = n++;
      hits.push({ url, at: Date.now() - startedAt, tab });
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
      maxInFlight = Math.max(maxInFlight, inFlight.get(id) ?? 0);
      await new Promise((resolve) => setTimeout(resolve, options.latencyMs ?? 20));
      inFlight.set(id, (inFlight.get(id) ?? 1) - 1);
      const status = options.status?.(url, count) ?? 200;
      const text = options.body?.(url, count) ?? JSON.stringify({ url, n: count });
      return new Response(text, { status, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
  return { fetchFor, hits, maxInFlightPerTabUrl: () => maxInFlight };
}

/** Options of {@link openTabs}. */
export interface TabsOptions {
  readonly count: number;
  readonly api: ReturnType<typeof fakeApi>;
  /** The quota every tab shares (configured: the fake API sends no headers). */
  readonly limit: number;
  readonly windowMs: number;
  /** @default a hub shared by the tabs */
  readonly hub?: ReturnType<typeof channelHub>;
}

/** A tab: its client and its visibility. */
export interface Tab {
  readonly id: string;
  readonly api: QuotaKyInstance;
  readonly visibility: FakeVisibility;
}

/** `count` tabs of one origin: one shared quota (a memory store), one channel hub, one fake API. */
export function openTabs(options: TabsOptions): Tab[] {
  const store = new MemoryQuotaStore();
  const hub = options.hub ?? channelHub();
  return Array.from({ length: options.count }, (_, index) => {
    const id = `tab-${index}`;
    const api = createClient({
      baseUrl: 'https://api.test/',
      fetch: options.api.fetchFor(id),
      timeout: false,
      retry: 0,
      quota: { store, limit: options.limit, windowMs: options.windowMs, name: 'poll-test' },
    });
    const visibility = new FakeVisibility();
    configurePolling(api, { channel: hub.open, visibility, tabId: id });
    return { id, api, visibility };
  });
}

/** Close every tab's quota (the shared store closes with the first). */
export async function closeTabs(tabs: readonly Tab[]): Promise<void> {
  for (const tab of tabs) await tab.api.quota.close();
}

export { maxInWindow } from '../../support/max-in-window.ts';
