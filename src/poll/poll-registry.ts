import type { KyInstance } from 'ky';
import { parseRateLimitHeaders } from '../headers/parse-rate-limit-headers.ts';
import type { Quota } from '../quota.ts';
import type { OpenChannel } from '../store/broadcast/ports.ts';
import { systemClock, type Clock, type TimerHandle } from '../utils/clock.ts';
import { hashString } from '../utils/hash.ts';
import { DemandTable, type DemandEntry } from './demand-table.ts';
import { allowedPerSecond, stretchChanged, stretchFor } from './fair-share.ts';
import { Feed, type FeedHost } from './feed.ts';
import { feedKey, pollChannelName } from './names.ts';
import { RateMemory } from './rate-memory.ts';
import { ServerRoom } from './server-room.ts';
import { defaultPollChannel, PollChannel, type OutgoingPollMessage } from './poll-channel.ts';
import { Poller, type PollerFeed } from './poller.ts';
import type { PollMessage } from './protocol.ts';
import { isSharedBody } from './shared-body.ts';
import type { BucketPolling, PollingSource, PollerSnapshot } from './snapshot.ts';
import type { PollHandle, PollInfo, PollOptions } from './types.ts';
import { validatePollOptions } from './validate.ts';
import { browserVisibility, type PollVisibility, type VisibilityChange } from './visibility.ts';

/** Options of a {@link PollRegistry}; everything but `client` and `quota` is for tuning and tests. */
export interface PollRegistryOptions {
  /** The quota-wrapped ky instance the polls go through. */
  readonly client: KyInstance;
  readonly quota: Quota;
  /** @default the system clock */
  readonly clock?: Clock;
  /** Opens the polling channel; `null`: share nothing across tabs. @default BroadcastChannel in a page, none elsewhere */
  readonly channel?: OpenChannel | null;
  /** @default the document's visibility in a page, always visible elsewhere */
  readonly visibility?: PollVisibility;
  /** This tab's id (lower ids win fetch ties). @default a random id */
  readonly tabId?: string;
  /**
   * The share of the allowed rate the pollers of all tabs aim at together; the quota's gate paces
   * whatever comes above it.
   * @default 1
   */
  readonly utilization?: number;
  /** How often a tab re-announces its demand, ms. @default 1000 */
  readonly announceMs?: number;
}

/** How long a hidden tab's demand stays valid: its timers may be throttled to once a minute. */
const hiddenDemandTtlMs = 65_000;
/** How long a `quotaInterval()` wish counts without being asked again, at least, ms. */
const externalTtlMs = 5000;

const randomId = (): string =>
  typeof globalThis.crypto?.randomUUID === 'function' ? globalThis.crypto.randomUUID() : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;

/**
 * Every poller of one client in this tab: their feeds (one per URL and request headers), the
 * demand of all tabs, and the stretch that keeps that demand within the quota. One per client,
 * created on its first `poll()`.
 */
export class PollRegistry implements PollingSource {
  readonly #client: KyInstance;
  readonly #quota: Quota;
  readonly #clock: Clock;
  readonly #tabId: string;
  readonly #channel: PollChannel;
  readonly #visibility: PollVisibility;
  readonly #utilization: number;
  readonly #announceMs: number;
  readonly #feeds = new Map<string, Feed>();
  readonly #demand = new DemandTable();
  readonly #external = new Map<string, { readonly bucket: string | undefined; readonly everyMs: number; readonly expiresAt: number }>();
  readonly #stretch = new Map<string, number>();
  readonly #figures = new Map<string, { readonly wanted: number; readonly allowed: number | undefined }>();
  readonly #rates = new RateMemory();
  readonly #room = new ServerRoom();
  readonly #stops: (() => void)[] = [];
  readonly #feedHost: FeedHost;
  #fallbackBucket: string | undefined;
  #hidden: boolean;
  #frozen = false;
  #announceTimer: TimerHandle | undefined;
  #soon: TimerHandle | undefined;
  #privateFeeds = 0;
  #closed = false;

  constructor(options: PollRegistryOptions) {
    this.#client = options.client;
    this.#quota = options.quota;
    this.#clock = options.clock ?? systemClock;
    this.#tabId = options.tabId ?? randomId();
    this.#visibility = options.visibility ?? browserVisibility();
    this.#utilization = options.utilization ?? 1;
    this.#announceMs = options.announceMs ?? 1000;
    const open = options.channel === null ? undefined : (options.channel ?? defaultPollChannel());
    this.#channel = new PollChannel(open?.(pollChannelName(this.#quota.name)), this.#tabId, (message) => this.#onMessage(message));
    this.#hidden = this.#visibility.isHidden();
    this.#feedHost = {
      clock: this.#clock,
      tabId: this.#tabId,
      ownerOf: (key) => this.#demand.owner(key, this.#clock.now()),
      connected: this.#channel.connected,
      hidden: () => this.#hidden,
      stretch: (bucket) => this.stretch(bucket),
      post: (message) => this.#channel.post(message),
      fetch: (feed, signal, onGranted) => this.#fetch(feed, signal, onGranted),
      demandChanged: () => this.#demandChanged(),
      removeFeed: (feed) => {
        if (this.#feeds.get(feed.settings.key) === feed) this.#feeds.delete(feed.settings.key);
      },
    };
    this.#stops.push(this.#visibility.subscribe((change) => this.#onVisibility(change)));
    this.#stops.push(this.#quota.on('limit-change', () => this.#recompute()));
  }

  /** Start a poller. See `api.poll()`. */
  poll<T>(url: string, options: PollOptions<T>, onData: (data: T, info: PollInfo) => void): PollHandle {
    if (this.#closed) throw new Error('ky-quota: the quota is closed; create a new client to poll');
    const settings = validatePollOptions(url, options, onData);
    const request = options.request ?? {};
    const key = settings.share ? feedKey(url, searchParamsOf(request.searchParams), headerEntries(request.headers)) : `own:${this.#tabId}:${++this.#privateFeeds}`;
    let feed = this.#feeds.get(key);
    if (feed === undefined) {
      feed = new Feed({ key, url, share: settings.share, maxShareBytes: settings.maxShareBytes, request }, this.#feedHost);
      this.#feeds.set(key, feed);
    }
    const target = feed;
    const link: PollerFeed = {
      stretch: () => this.stretch(target.bucket),
      hidden: () => this.#hidden,
      now: () => this.#clock.now(),
      refresh: (poller) => target.refresh([poller]),
      remove: (poller) => target.remove(poller),
    };
    const poller = new Poller<T>(settings, link);
    const signal = options.signal;
    if (signal?.aborted === true) {
      poller.stop();
      return poller;
    }
    if (signal !== undefined) {
      const stop = (): void => poller.stop();
      signal.addEventListener('abort', stop, { once: true });
    }
    target.add(poller);
    this.#ensureAnnouncing();
    return poller;
  }

  /** The stretch for a bucket (`undefined`: the bucket polls run in before one is known). */
  stretch(bucket: string | undefined): number {
    const key = bucket ?? this.#fallbackBucket;
    return key === undefined ? 1 : (this.#stretch.get(key) ?? 1);
  }

  /**
   * The interval the quota affords a wish of `wantedMs` under `key` (for `quotaInterval()`): the
   * wish counts in the demand of this tab while it is asked again within a few of its intervals.
   */
  interval(key: string, wantedMs: number, bucket: string | undefined): number {
    const now = this.#clock.now();
    const id = `ext:${hashString(key)}`;
    const before = this.#external.get(id);
    const stretched = wantedMs * this.stretch(bucket);
    this.#external.set(id, { bucket, everyMs: wantedMs, expiresAt: now + Math.max(externalTtlMs, 3 * stretched) });
    if (before === undefined || before.everyMs !== wantedMs || before.bucket !== bucket) this.#demandChanged();
    this.#ensureAnnouncing();
    return stretched;
  }

  describe(bucket: string): BucketPolling | undefined {
    const pollers: PollerSnapshot[] = [];
    for (const feed of this.#feeds.values()) {
      if ((feed.bucket ?? this.#fallbackBucket) !== bucket) continue;
      for (const member of feed.pollers) {
        if (!(member instanceof Poller)) continue;
        pollers.push({ url: feed.settings.url, everyMs: member.everyMs, intervalMs: member.intervalMs, ageMs: member.ageMs, dropped: member.dropped, shared: feed.settings.share });
      }
    }
    const rates = this.#figures.get(bucket);
    if (pollers.length === 0 && rates === undefined) return undefined;
    return {
      stretch: this.#stretch.get(bucket) ?? 1,
      wantedPerSecond: rates?.wanted ?? 0,
      allowedPerSecond: rates?.allowed,
      tabs: this.#demand.tabs(this.#clock.now()),
      pollers,
    };
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const feed of this.#feeds.values()) feed.close();
    this.#feeds.clear();
    for (const stop of this.#stops) stop();
    this.#clear(this.#announceTimer);
    this.#clear(this.#soon);
    this.#channel.post({ type: 'leave' });
    this.#channel.close();
  }

  async #fetch(feed: Feed, signal: AbortSignal, onGranted: () => void): Promise<Response> {
    const request = feed.settings.request;
    const hooks = request.hooks ?? {};
    const askedAt = this.#clock.now();
    let grantedAt: number | undefined;
    const learnBucket = ({ request: sent }: { request: Request }): void => {
      grantedAt ??= this.#clock.now();
      const before = feed.bucket;
      feed.bucket = this.#quota.bucketOf(sent, undefined);
      onGranted();
      if (before !== feed.bucket) this.#demandChanged();
    };
    // The server's own count of what it holds tells whether the pollers' demand fits (ServerRoom).
    const countRoom = ({ response }: { response: Response }): void => {
      const bucket = feed.bucket ?? this.#fallbackBucket;
      if (bucket === undefined) return;
      const now = this.#clock.now();
      const intervalMs = feed.wantedMs * this.stretch(bucket);
      const queuedShare = Number.isFinite(intervalMs) && intervalMs > 0 ? ((grantedAt ?? now) - askedAt) / intervalMs : 0;
      this.#room.observe(bucket, parseRateLimitHeaders(response.headers, { now, status: response.status }).policies, now, queuedShare);
    };
    return this.#client.get(feed.settings.url, {
      ...request,
      signal,
      hooks: { ...hooks, beforeRequest: [...(hooks.beforeRequest ?? []), learnBucket], afterResponse: [...(hooks.afterResponse ?? []), countRoom] },
    });
  }

  #onMessage(message: PollMessage): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    switch (message.type) {
      case 'demand':
        this.#demand.set(
          message.from,
          Array.isArray(message.entries) ? message.entries : [],
          now,
          message.ttlMs,
          typeof message.allowed === 'object' && message.allowed !== null ? message.allowed : {},
          message.hidden === true,
        );
        this.#recompute();
        return;
      case 'leave':
        this.#demand.remove(message.from);
        this.#recompute();
        return;
      case 'claim':
        this.#feeds.get(message.key)?.onClaim(message);
        return;
      case 'release':
        this.#feeds.get(message.key)?.onRelease(message);
        return;
      case 'ask':
        this.#feeds.get(message.key)?.onAsk(message);
        return;
      case 'body':
        if (isSharedBody(message.body)) this.#feeds.get(message.key)?.onBody(message.body, message.from);
        return;
    }
  }

  #onVisibility(change: VisibilityChange): void {
    if (this.#closed) return;
    if (change === 'freeze') {
      this.#frozen = true;
      for (const feed of this.#feeds.values()) feed.freeze();
      this.#clear(this.#announceTimer);
      this.#announceTimer = undefined;
      this.#channel.post({ type: 'leave' });
      return;
    }
    const wasHidden = this.#hidden;
    this.#hidden = this.#visibility.isHidden();
    if (change === 'resume' || (change === 'visible' && wasHidden)) {
      this.#frozen = false;
      for (const feed of this.#feeds.values()) {
        feed.reschedule();
        if (!this.#hidden) feed.refresh(feed.pollers, true);
      }
    } else if (change === 'hidden') {
      for (const feed of this.#feeds.values()) feed.reschedule();
    }
    this.#demandChanged();
    this.#ensureAnnouncing();
  }

  /** Announce and recompute soon (once for a burst of changes). */
  #demandChanged(): void {
    if (this.#soon !== undefined || this.#closed) return;
    this.#soon = this.#clock.setTimeout(() => {
      this.#soon = undefined;
      this.#announce();
    }, 0);
  }

  #ensureAnnouncing(): void {
    if (this.#announceTimer !== undefined || this.#closed || this.#frozen) return;
    this.#announceTimer = this.#clock.setTimeout(() => {
      this.#announceTimer = undefined;
      this.#announce();
      if (this.#feeds.size > 0 || this.#external.size > 0) this.#ensureAnnouncing();
    }, this.#announceMs);
  }

  #announce(): void {
    if (this.#closed || this.#frozen) return;
    const now = this.#clock.now();
    const entries: DemandEntry[] = [];
    for (const feed of this.#feeds.values()) {
      const everyMs = feed.wantedMs;
      if (Number.isFinite(everyMs)) entries.push({ key: feed.settings.key, bucket: feed.bucket, everyMs });
    }
    for (const [key, wish] of this.#external) {
      if (wish.expiresAt <= now) this.#external.delete(key);
      else entries.push({ key: `${key}:${this.#tabId}`, bucket: wish.bucket, everyMs: wish.everyMs });
    }
    const allowed: Record<string, number> = {};
    for (const [bucket, model] of this.#quota.store.snapshot(now)) {
      this.#rates.observe(bucket, model.limit, allowedPerSecond(model), now);
      const rate = this.#allowedHere(bucket, model.limit, now);
      if (rate !== undefined) allowed[bucket] = rate;
    }
    const ttlMs = this.#hidden ? hiddenDemandTtlMs : 3 * this.#announceMs;
    this.#demand.set(this.#tabId, entries, now, Number.POSITIVE_INFINITY, allowed, this.#hidden);
    this.#channel.post({ type: 'demand', entries, allowed, hidden: this.#hidden, ttlMs } satisfies OutgoingPollMessage);
    this.#recompute();
  }

  /** Stretch every bucket's pollers so all tabs together want no more than the quota allows. */
  #recompute(): void {
    if (this.#closed) return;
    const now = this.#clock.now();
    const models = this.#quota.store.snapshot(now);
    this.#fallbackBucket = models.keys().next().value ?? this.#fallbackBucket;
    const buckets = this.#demand.buckets(now, this.#fallbackBucket);
    for (const bucket of this.#stretch.keys()) buckets.add(bucket);
    for (const bucket of buckets) {
      const model = models.get(bucket);
      if (model !== undefined) this.#rates.observe(bucket, model.limit, allowedPerSecond(model), now);
      const own = model === undefined ? this.#rates.best(bucket, now) : this.#allowedHere(bucket, model.limit, now);
      const shared = this.#demand.allowed(bucket, now);
      const allowed = own === undefined ? shared : shared === undefined ? own : Math.max(own, shared);
      const wanted = this.#demand.wanted(bucket, now, this.#fallbackBucket);
      const next = stretchFor(wanted, allowed, this.#utilization);
      const previous = this.#stretch.get(bucket) ?? 1;
      this.#figures.set(bucket, { wanted, allowed });
      if (!stretchChanged(previous, next)) continue;
      this.#stretch.set(bucket, next);
      for (const feed of this.#feeds.values()) if ((feed.bucket ?? this.#fallbackBucket) === bucket) feed.reschedule();
      const described = this.describe(bucket);
      if (described !== undefined) this.#quota.emitPollInterval({ bucket, ...described });
    }
  }

  /**
   * The rate this tab believes the bucket allows: the best `limit / window` the model paced with
   * lately, or, when the server's counts show that all the pollers want fits (ServerRoom), that
   * much: the pollers then do not stretch. The fit is remembered like the model's figures (the
   * best within `RateMemory`'s span), so a fit that lapses for a moment does not stretch and
   * unstretch the pollers (each move resets their cadence). Only the whole demand's fit counts:
   * a partial one, computed by each tab from its own responses, left tabs stretched differently
   * (lived intervals 2.2x apart on 40 URLs); a quota that binds keeps the model's figure.
   */
  #allowedHere(bucket: string, limit: number | undefined, now: number): number | undefined {
    const wanted = this.#demand.wanted(bucket, now, this.#fallbackBucket);
    const fits = this.#room.fitRate(bucket, wanted / (this.#stretch.get(bucket) ?? 1), now);
    if (fits !== undefined && fits >= wanted) this.#rates.observe(bucket, limit, fits, now);
    return this.#rates.best(bucket, now);
  }

  #clear(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.#clock.clearTimeout(handle);
  }
}

function searchParamsOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.startsWith('?') ? value.slice(1) : value;
  try {
    const params = new URLSearchParams(value as Record<string, string>);
    params.sort();
    return params.toString();
  } catch {
    return JSON.stringify(value);
  }
}

function headerEntries(value: unknown): [string, string][] {
  if (value === undefined || value === null) return [];
  try {
    return [...new Headers(value as HeadersInit).entries()];
  } catch {
    return [];
  }
}
