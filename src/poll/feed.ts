import type { Clock, TimerHandle } from '../utils/clock.ts';
import type { OutgoingPollMessage } from './poll-channel.ts';
import type { AskMessage, ClaimMessage, ReleaseMessage } from './protocol.ts';
import type { FeedMember } from './poller.ts';
import { readBody, shareable, type SharedBody } from './shared-body.ts';
import type { PollRequestOptions, PollSource } from './types.ts';

/** What a feed needs from its registry. */
export interface FeedHost {
  readonly clock: Clock;
  readonly tabId: string;
  /**
   * The tab that fetches the feed for all tabs: the visible tab that wants it most often (lowest
   * tab id on a tie), from the tabs' demand announcements; undefined while none names one (then
   * every tab counts as owner).
   */
  ownerOf(key: string): string | undefined;
  /** True while other tabs can hear this one. */
  readonly connected: boolean;
  hidden(): boolean;
  /** The quota's stretch for a bucket (1 while unknown). */
  stretch(bucket: string | undefined): number;
  post(message: OutgoingPollMessage): void;
  /** GET the feed's URL through the client; `onGranted` runs when the quota let the request go. */
  fetch(feed: Feed, signal: AbortSignal, onGranted: () => void): Promise<Response>;
  /** The feed's pollers or their wishes changed. */
  demandChanged(): void;
  /** The feed has no pollers left. */
  removeFeed(feed: Feed): void;
}

/** A feed's identity and sharing settings. */
export interface FeedSettings {
  readonly key: string;
  readonly url: string;
  readonly share: boolean;
  readonly maxShareBytes: number;
  readonly request: PollRequestOptions;
}

/** How long a poller that just started waits for another tab's recent body before fetching, ms. */
export const askWaitMs = 50;

/**
 * How much later than the owner (the tab that fetches a feed for all tabs) another tab polls on
 * its own: only an owner this late (closed, frozen, stuck behind a long task) is stood in for.
 */
export function followerGraceMs(intervalMs: number): number {
  return Math.min(2000, Math.max(100, intervalMs * 0.25));
}

/** A timer that fires this late (a busy renderer) lets queued channel messages in before it acts, ms. */
const lateMs = 20;

/**
 * Added to a feed's cadence: sends exactly one interval apart can reach the server closer than
 * that (network jitter), and a server counting in a sliding window would see two in one interval.
 */
export function jitterGuardMs(intervalMs: number): number {
  return Number.isFinite(intervalMs) ? Math.max(10, intervalMs * 0.01) : 0;
}

/** How long other tabs wait for a claimed fetch before fetching themselves, ms. */
export function claimTtlMs(intervalMs: number): number {
  return Number.isFinite(intervalMs) ? Math.max(1000, intervalMs * 1.5) : 1000;
}

/**
 * All pollers of one URL (and request headers) in this tab: at most one fetch of it is waiting or
 * in flight at a time, and every body (fetched here, or shared by another tab) goes to each poller
 * waiting for it or due (another tab's body: due within two slacks). Pollers keep their own cadence: a tick finds a body
 * fresh enough (no older than half its interval) and takes it, joins the fetch in flight, waits
 * for another tab's claimed fetch, or starts a fetch.
 */
export class Feed {
  readonly settings: FeedSettings;
  readonly #host: FeedHost;
  readonly pollers = new Set<FeedMember>();
  /** The bucket its requests spend, once a request told. */
  bucket: string | undefined;
  /** The newest body, from here or another tab. */
  last: SharedBody | undefined;
  #lastSource: PollSource = 'network';
  #fetching: AbortController | undefined;
  #granted = false;
  readonly #quiet = new WeakSet<AbortController>();
  #claim: { readonly from: string; readonly until: number } | undefined;
  /** When this tab last sent a request of this feed. */
  #ownSentAt = Number.NEGATIVE_INFINITY;
  #timer: TimerHandle | undefined;
  #closed = false;

  constructor(settings: FeedSettings, host: FeedHost) {
    this.settings = settings;
    this.#host = host;
  }

  /** True while a fetch of this feed waits for its token or its response in this tab. */
  get fetching(): boolean {
    return this.#fetching !== undefined;
  }

  /** The shortest interval its pollers want before the quota's stretch, ms (`Infinity`: all paused). */
  get wantedMs(): number {
    let shortest = Number.POSITIVE_INFINITY;
    for (const poller of this.pollers) shortest = Math.min(shortest, poller.wantedMs);
    return shortest;
  }

  /** True when this tab fetches for all tabs (or no tab is named: each fetches for itself). */
  #isOwner(owner: string | undefined): boolean {
    return owner === undefined || owner === this.#host.tabId;
  }

  #now(): number {
    return this.#host.clock.now();
  }

  add(poller: FeedMember): void {
    this.pollers.add(poller);
    const now = this.#now();
    poller.base = now;
    if (this.last !== undefined && this.#fresh(this.last, poller, now)) {
      this.#deliver(poller, this.last, this.#lastSource === 'network' ? 'tab' : this.#lastSource, now);
    } else if (this.settings.share && this.#host.connected && this.#fetching === undefined) {
      this.#ask(poller.wantedMs);
      poller.dueAt = now + askWaitMs;
    } else {
      poller.dueAt = now;
    }
    this.#host.demandChanged();
    this.schedule();
  }

  remove(poller: FeedMember): void {
    if (!this.pollers.delete(poller)) return;
    if (this.pollers.size === 0) {
      this.close();
      this.#host.removeFeed(this);
    } else {
      this.schedule();
    }
    this.#host.demandChanged();
  }

  /** Poll now: take a fresh body, or fetch (a tab becoming visible asks the others first). */
  refresh(pollers: Iterable<FeedMember> = this.pollers, ask = false): void {
    const now = this.#now();
    let asked = false;
    for (const poller of pollers) {
      if (poller.waiting || !Number.isFinite(poller.wantedMs)) continue;
      if (ask && this.settings.share && this.#host.connected && (this.last === undefined || !this.#fresh(this.last, poller, now))) {
        if (!asked) this.#ask(poller.wantedMs);
        asked = true;
        poller.dueAt = now + askWaitMs;
      } else {
        poller.dueAt = now;
      }
    }
    this.schedule();
  }

  /** Intervals changed (stretch, visibility): every poller's next tick moves to its base plus its new interval. */
  reschedule(): void {
    for (const poller of this.pollers) if (!poller.waiting) poller.dueAt = poller.base + poller.intervalMs;
    this.schedule();
  }

  /** The page is being frozen: a fetch not yet granted is abandoned (a frozen tab holds no place in the queue). */
  freeze(): void {
    this.#clearTimer();
    const controller = this.#fetching;
    if (controller !== undefined && !this.#granted) {
      this.#quiet.add(controller);
      controller.abort();
      if (this.settings.share) this.#host.post({ type: 'release', key: this.settings.key });
    }
  }

  close(): void {
    this.#closed = true;
    this.#clearTimer();
    const controller = this.#fetching;
    if (controller !== undefined) {
      this.#quiet.add(controller);
      controller.abort();
    }
  }

  /** Another tab starts fetching this feed. */
  onClaim(message: ClaimMessage): void {
    const controller = this.#fetching;
    if (controller !== undefined) {
      // Two tabs ticked at once: the owner fetches; another tab gives up its place if it can. Two
      // tabs standing in for a late owner yield only one way (to the owner, or to the lower tab
      // id): each yielding to the other left the feed unfetched until both claims ran out, a
      // 2.5 s gap and then two fetches 9 ms apart (real Chromium, 1 s pollers).
      const owner = this.#host.ownerOf(this.settings.key);
      if (this.#isOwner(owner) || this.#granted) return;
      if (message.from !== owner && message.from > this.#host.tabId) return;
      this.#quiet.add(controller);
      controller.abort();
    }
    this.#claim = { from: message.from, until: message.until };
    this.schedule();
  }

  /** The tab that claimed this feed has no body to share after all: the waiting pollers fetch. */
  onRelease(message: ReleaseMessage): void {
    if (this.#claim?.from !== message.from) return;
    this.#claim = undefined;
    if (this.#fetching !== undefined) return;
    const now = this.#now();
    for (const poller of this.pollers) {
      if (!poller.waiting) continue;
      poller.waiting = false;
      poller.dueAt = now;
    }
    this.schedule();
  }

  /** Another tab started polling this feed: send it our recent body, if this tab fetched it. */
  onAsk(message: AskMessage): void {
    const last = this.last;
    if (!this.settings.share || last === undefined || this.#lastSource !== 'network') return;
    if (this.#now() - last.fetchedAt > message.maxAgeMs || !shareable(last, this.settings.maxShareBytes)) return;
    this.#host.post({ type: 'body', key: this.settings.key, body: last });
  }

  /** A body fetched by another tab. */
  onBody(body: SharedBody, from: string): void {
    if (this.#claim?.from === from) this.#claim = undefined;
    this.#accept(body, 'other-tab', from, undefined);
  }

  /** Set the timer for the earliest due poller (or the end of another tab's claim). */
  schedule(): void {
    this.#clearTimer();
    if (this.#closed || this.pollers.size === 0) return;
    let next = Number.POSITIVE_INFINITY;
    let waiting = false;
    for (const poller of this.pollers) {
      if (poller.waiting) waiting = true;
      else next = Math.min(next, poller.dueAt);
    }
    if (waiting && this.#fetching === undefined && this.#claim !== undefined) next = Math.min(next, this.#claim.until);
    if (!Number.isFinite(next)) return;
    const at = next;
    this.#timer = this.#host.clock.setTimeout(() => {
      this.#timer = undefined;
      if (this.#now() - at <= lateMs) {
        this.#tick();
        return;
      }
      // Late: another tab's claim or body may be queued behind this timer; let it in first.
      this.#timer = this.#host.clock.setTimeout(() => {
        this.#timer = undefined;
        this.#tick();
      }, 0);
    }, Math.max(0, next - this.#now()));
  }

  #tick(): void {
    if (this.#closed) return;
    const now = this.#now();
    if (this.#claim !== undefined && this.#claim.until <= now) {
      // The claiming tab went quiet (frozen, closed, stuck in the queue): fetch for ourselves.
      this.#claim = undefined;
      if (this.#fetching === undefined) {
        for (const poller of this.pollers) {
          if (!poller.waiting) continue;
          poller.waiting = false;
          poller.dueAt = Math.min(poller.dueAt, now);
        }
      }
    }
    const need: FeedMember[] = [];
    for (const poller of this.pollers) {
      if (poller.waiting || poller.dueAt > now + 1) continue;
      if (this.last !== undefined && this.#fresh(this.last, poller, now)) {
        poller.base = Math.max(poller.dueAt, now - poller.intervalMs);
        this.#deliver(poller, this.last, this.#lastSource === 'network' ? 'tab' : this.#lastSource, now);
      } else {
        need.push(poller);
      }
    }
    for (const poller of need) poller.waiting = true;
    if (need.length > 0 && this.#fetching === undefined && this.#claim === undefined) void this.#fetch(now, new Set(need));
    this.schedule();
  }

  async #fetch(startedAt: number, triggered: ReadonlySet<FeedMember>): Promise<void> {
    const controller = new AbortController();
    this.#fetching = controller;
    this.#granted = false;
    const interval = this.#intervalMs();
    if (this.settings.share) this.#host.post({ type: 'claim', key: this.settings.key, startedAt, until: startedAt + claimTtlMs(interval) });
    let body: SharedBody;
    // The cadence counts from when the request left (its token granted), not from the tick: two
    // sends of a feed are never closer than its interval, and pollers that ticked together spread
    // out as the quota lets them go one by one.
    let sentAt = startedAt;
    try {
      const response = await this.#host.fetch(this, controller.signal, () => {
        if (this.#fetching !== controller) return;
        this.#granted = true;
        // Plus a jitter guard: two sends a full interval apart can arrive closer than that.
        sentAt = this.#now() + jitterGuardMs(interval);
        this.#ownSentAt = sentAt;
      });
      body = await readBody(response, sentAt, this.#now());
    } catch (error) {
      this.#failed(controller, startedAt, error);
      return;
    }
    if (this.#fetching === controller) this.#fetching = undefined;
    if (this.settings.share) {
      if (shareable(body, this.settings.maxShareBytes)) this.#host.post({ type: 'body', key: this.settings.key, body });
      else this.#host.post({ type: 'release', key: this.settings.key });
    }
    this.#accept(body, 'network', undefined, triggered);
  }

  #failed(controller: AbortController, startedAt: number, error: unknown): void {
    if (this.#fetching === controller) this.#fetching = undefined;
    const quiet = this.#quiet.has(controller);
    if (!quiet && this.settings.share) this.#host.post({ type: 'release', key: this.settings.key });
    if (this.#closed) return;
    // Yielded to another tab's claim: the pollers keep waiting for its body.
    if (quiet && this.#claim !== undefined) {
      this.schedule();
      return;
    }
    const now = this.#now();
    for (const poller of this.pollers) {
      if (!poller.waiting) continue;
      poller.waiting = false;
      poller.countDropped(now);
      poller.base = startedAt;
      poller.dueAt = Math.max(now, startedAt + poller.intervalMs);
      if (!quiet) poller.fail(error);
    }
    this.schedule();
  }

  #accept(body: SharedBody, source: 'network' | 'other-tab', from: string | undefined, triggered: ReadonlySet<FeedMember> | undefined): void {
    if (this.#closed) return;
    const now = this.#now();
    if (this.last === undefined || body.fetchedAt > this.last.fetchedAt) {
      this.last = body;
      this.#lastSource = source;
    }
    const current = this.last;
    const isOwner = this.#isOwner(this.#host.ownerOf(this.settings.key));
    const sameRound = source === 'other-tab' && !isOwner && Math.abs(this.#ownSentAt - body.startedAt) < this.#intervalMs() / 2;
    for (const poller of this.pollers) {
      const interval = poller.intervalMs;
      // Another tab's body is taken up to two graces before the poller's own tick (a follower's
      // tick is a grace after the owner's); this tab's own fetch serves the pollers it was
      // started for and those due.
      const early = source === 'other-tab' ? 2 * followerGraceMs(interval) : 1;
      const wants = poller.waiting || (Number.isFinite(interval) && now >= poller.dueAt - early);
      const isNew = poller.deliveredAt === undefined || current.fetchedAt > poller.deliveredAt;
      if (wants && isNew) {
        poller.countDropped(now);
        // Another tab's body: the owner keeps the cadence from it; the others poll a grace later.
        poller.base = current === body && source === 'other-tab' && !isOwner ? body.startedAt + followerGraceMs(interval) : current.startedAt;
        this.#deliver(poller, current, current !== body ? this.#lastSource : source === 'network' && triggered?.has(poller) !== true ? 'tab' : source, now);
      } else if (poller.waiting) {
        // Nothing newer than what it has: it polls again on its own cadence.
        poller.waiting = false;
        poller.dueAt = Math.max(now, poller.base + interval);
      } else if (sameRound && Number.isFinite(interval)) {
        // This tab fetched too, this round: from now on it follows the other tab's cadence.
        poller.base = body.startedAt + followerGraceMs(interval);
        poller.dueAt = poller.base + interval;
      }
    }
    this.schedule();
  }

  /** Hand a body to a poller and set its next tick from its base. */
  #deliver(poller: FeedMember, body: SharedBody, source: PollSource, now: number): void {
    poller.waiting = false;
    poller.deliver(body, source);
    const next = poller.base + poller.intervalMs;
    poller.dueAt = next <= now ? now : next;
  }

  /** New to the poller and no older than half its interval. */
  #fresh(body: SharedBody, poller: FeedMember, now: number): boolean {
    const isNew = poller.deliveredAt === undefined || body.fetchedAt > poller.deliveredAt;
    return isNew && now - body.fetchedAt <= poller.intervalMs / 2;
  }

  #ask(wantedMs: number): void {
    const maxAgeMs = Number.isFinite(wantedMs) ? (wantedMs * this.#host.stretch(this.bucket)) / 2 : 0;
    this.#host.post({ type: 'ask', key: this.settings.key, maxAgeMs });
  }

  #intervalMs(): number {
    let shortest = Number.POSITIVE_INFINITY;
    for (const poller of this.pollers) shortest = Math.min(shortest, poller.intervalMs);
    return shortest;
  }

  #clearTimer(): void {
    if (this.#timer === undefined) return;
    this.#host.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
