/**
 * The page every polling e2e tab loads (bundled by esbuild from src/ in the test's setup):
 * widgets that `api.poll()` on the default store, measured from the test through `window.kqp`.
 */
import { createClient, type PollHandle, type PollInfo } from '../../../src/index.ts';
import { recordModelCalls, type ModelCall } from './model-log.ts';

/** One widget of the page: what it polls. */
export interface WidgetSpec {
  readonly url: string;
  readonly every: number;
}

/** What a widget measured. */
export interface WidgetResults {
  readonly url: string;
  readonly every: number;
  deliveries: number;
  /** Deliveries by source: network, tab, other-tab. */
  sources: Record<string, number>;
  /** The oldest its data got: the age of the data shown just before each new delivery (and at stop), ms. */
  maxAgeMs: number;
  /** Mean time between deliveries, ms (the effective interval as lived). */
  meanGapMs: number;
  /** The poller's own effective interval (`handle.intervalMs`) at stop, ms. */
  intervalMs: number;
  dropped: number;
  errors: string[];
  /** `handle.intervalMs` sampled every 250 ms while measuring (mean), ms. */
  meanIntervalMs: number;
  /** When the responses this tab fetched for it arrived (`fetchedAt` of its `'network'` deliveries), epoch ms. */
  fetchedAt: number[];
}

/** What a tab reports. */
export interface PollTabResults {
  readonly widgets: WidgetResults[];
  /** `api.quota.queued` sampled every 250 ms while measuring. */
  readonly queued: number[];
  readonly visibility: string;
  readonly status429: number;
  /** `snapshot()[0].polling.stretch` at stop. */
  readonly stretch: number | undefined;
  /** `snapshot()[0]`'s `polling.allowedPerSecond`, `polling.stretch` and `windowMs`, lowest and highest seen while measuring. */
  readonly seen: { allowed: [number, number]; stretch: [number, number]; windowMs: [number, number]; limit: [number, number] };
  /** With `?modellog`: every quota model call in this tab (the leader's), for support/replay-model.ts. */
  readonly model: ModelCall[];
}

const modelCalls: ModelCall[] = [];
if (new URLSearchParams(location.search).has('modellog')) recordModelCalls(modelCalls);
const api = createClient({ baseUrl: `${location.origin}/api/`, retry: { limit: 5 }, timeout: false, cache: 'no-store', quota: { name: 'poll-e2e' } });
let status429 = 0;
api.quota.on('limited', () => status429++);

interface Widget {
  readonly results: WidgetResults;
  readonly handle: PollHandle;
  lastFetchedAt: number | undefined;
  firstDeliveryAt: number | undefined;
  lastDeliveryAt: number | undefined;
  intervals: number[];
}

let widgets: Widget[] = [];
let queued: number[] = [];
let sampler: ReturnType<typeof setInterval> | undefined;
let measureFrom = Number.POSITIVE_INFINITY;
const seen = { allowed: [Infinity, 0] as [number, number], stretch: [Infinity, 0] as [number, number], windowMs: [Infinity, 0] as [number, number], limit: [Infinity, 0] as [number, number] };
const widen = (range: [number, number], value: number | undefined): void => {
  if (value === undefined) return;
  range[0] = Math.min(range[0], value);
  range[1] = Math.max(range[1], value);
};

function start(specs: readonly WidgetSpec[], measureAt: number): void {
  measureFrom = measureAt;
  widgets = specs.map((spec) => {
    const results: WidgetResults = { url: spec.url, every: spec.every, deliveries: 0, sources: {}, maxAgeMs: 0, meanGapMs: 0, intervalMs: 0, dropped: 0, errors: [], meanIntervalMs: 0, fetchedAt: [] };
    const widget: Widget = { results, handle: undefined as unknown as PollHandle, lastFetchedAt: undefined, firstDeliveryAt: undefined, lastDeliveryAt: undefined, intervals: [] };
    const onData = (_data: unknown, info: PollInfo): void => {
      const now = Date.now();
      if (now >= measureFrom && widget.lastFetchedAt !== undefined) results.maxAgeMs = Math.max(results.maxAgeMs, now - widget.lastFetchedAt);
      widget.lastFetchedAt = info.fetchedAt;
      if (now >= measureFrom) {
        results.deliveries++;
        results.sources[info.source] = (results.sources[info.source] ?? 0) + 1;
        widget.firstDeliveryAt ??= now;
        widget.lastDeliveryAt = now;
        if (info.source === 'network') results.fetchedAt.push(info.fetchedAt);
      }
    };
    const onError = (error: unknown): void => {
      if (results.errors.length < 5) results.errors.push(String(error));
    };
    Object.assign(widget, { handle: api.poll(spec.url, { every: spec.every, onError }, onData) });
    return widget;
  });
  queued = [];
  sampler = setInterval(() => {
    if (Date.now() < measureFrom) return;
    queued.push(api.quota.queued);
    const [bucket] = api.quota.snapshot();
    widen(seen.allowed, bucket?.polling?.allowedPerSecond);
    widen(seen.stretch, bucket?.polling?.stretch);
    widen(seen.windowMs, bucket?.windowMs);
    widen(seen.limit, bucket?.limit);
    for (const widget of widgets) widget.intervals.push(widget.handle.intervalMs);
  }, 250);
}

function stop(): PollTabResults {
  const now = Date.now();
  if (sampler !== undefined) clearInterval(sampler);
  for (const widget of widgets) {
    const { results, handle } = widget;
    if (widget.lastFetchedAt !== undefined) results.maxAgeMs = Math.max(results.maxAgeMs, now - widget.lastFetchedAt);
    const span = (widget.lastDeliveryAt ?? 0) - (widget.firstDeliveryAt ?? 0);
    results.meanGapMs = results.deliveries > 1 ? span / (results.deliveries - 1) : Number.POSITIVE_INFINITY;
    results.intervalMs = handle.intervalMs;
    results.meanIntervalMs = widget.intervals.reduce((sum, value) => sum + value, 0) / Math.max(1, widget.intervals.length);
    results.dropped = handle.dropped;
    handle.stop();
  }
  return {
    widgets: widgets.map((widget) => widget.results),
    queued,
    visibility: document.visibilityState,
    status429,
    stretch: api.quota.snapshot()[0]?.polling?.stretch,
    seen,
    model: modelCalls,
  };
}

const controls = { start, stop };
(globalThis as { kqp?: typeof controls }).kqp = controls;
document.title = 'ready';
