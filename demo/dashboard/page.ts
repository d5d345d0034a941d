/**
 * The dashboard page: widgets that poll the embedded rate-limited API with `api.poll()` through
 * ky-quota's default store (in a page: shared by every tab of the origin). Shared widgets poll the
 * same URLs in every tab (one tab fetches, the others get the body over the channel); each tab
 * also has two widgets of its own. When all tabs together want more than the server's limit, every
 * widget's interval stretches alike. The page shows each widget's wanted and effective interval,
 * the age of its data and where it came from, plus this tab's rate, all tabs' rate, the server's
 * limit, who leads, and the 429s. Bundled by demo/dashboard/server.ts with esbuild at startup.
 */
import { BroadcastQuotaStore, createClient, type PollHandle, type PollSource } from '../../src/index.ts';

const HISTORY_S = 60;

interface ServerStats {
  readonly limit: number;
  readonly accepted: number;
  readonly rejected: number;
}

const api = createClient({ baseUrl: `${location.origin}/api/`, retry: { limit: 5 }, timeout: false, cache: 'no-store', quota: { name: 'dashboard' } });
const store = api.quota.store;
const tabId = Math.random().toString(36).slice(2, 6).toUpperCase();
let mine = 0;
let limited = 0;
api.quota.on('limited', () => limited++);

/** A widget: what it polls, how often it wants to, and what it lived. */
interface Widget {
  readonly name: string;
  readonly url: string;
  readonly every: number;
  handle?: PollHandle;
  source?: PollSource;
  fetchedAt?: number;
  updates: number;
}

const widgets: Widget[] = [
  { name: 'status', url: 'status', every: 1000, updates: 0 },
  { name: 'alerts', url: 'alerts', every: 500, updates: 0 },
  { name: 'metrics', url: 'metrics', every: 250, updates: 0 },
  { name: 'queue', url: 'queue', every: 2000, updates: 0 },
  { name: `live (tab ${tabId})`, url: `tabs/${tabId}/live`, every: 100, updates: 0 },
  { name: `ticker (tab ${tabId})`, url: `tabs/${tabId}/ticker`, every: 50, updates: 0 },
];
for (const widget of widgets) {
  widget.handle = api.poll(widget.url, { every: widget.every }, (_data, info) => {
    widget.source = info.source;
    widget.fetchedAt = info.fetchedAt;
    widget.updates++;
    if (info.source === 'network') mine++;
  });
}
addEventListener('pagehide', () => {
  for (const widget of widgets) widget.handle?.stop();
});

const element = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`#${id} is missing`);
  return found as T;
};
const canvas = element<HTMLCanvasElement>('chart');
const context = canvas.getContext('2d');
const mineSeries: number[] = [];
const sharedSeries: number[] = [];
const limitSeries: number[] = [];
let previousMine = 0;
let previousAccepted: number | undefined;
let rejectedAtStart: number | undefined;

element('tab').textContent = tabId;

async function tick(): Promise<void> {
  const stats = (await (await fetch('/stats', { cache: 'no-store' })).json()) as ServerStats;
  const shared = previousAccepted === undefined ? 0 : stats.accepted - previousAccepted;
  previousAccepted = stats.accepted;
  rejectedAtStart ??= stats.rejected;
  push(mineSeries, mine - previousMine);
  previousMine = mine;
  push(sharedSeries, shared);
  push(limitSeries, stats.limit);
  const role = store instanceof BroadcastQuotaStore ? store.role : store.kind;
  const badge = element('role');
  badge.textContent = role === 'leader' ? 'leader: this tab' : role;
  badge.dataset['role'] = role;
  element('mine').textContent = String(mineSeries.at(-1) ?? 0);
  element('shared').textContent = String(shared);
  element('limit').textContent = String(stats.limit);
  element('rejected').textContent = String(stats.rejected);
  element('limited').textContent = String(limited);
  const [bucket] = api.quota.snapshot();
  element('remaining').textContent = bucket?.remaining === undefined ? '…' : String(bucket.remaining);
  const polling = bucket?.polling;
  element('stretch').textContent = polling === undefined ? '×1' : `×${polling.stretch.toFixed(2)}`;
  element('wanted').textContent = polling === undefined ? '…' : `${polling.wantedPerSecond.toFixed(1)} wanted / ${polling.allowedPerSecond?.toFixed(1) ?? '?'} allowed req/s, ${polling.tabs} tab${polling.tabs === 1 ? '' : 's'}`;
  element('epoch').textContent = store instanceof BroadcastQuotaStore ? String(store.stats.epoch % 100_000) : '-';
  draw();
  document.body.dataset['ready'] = 'true';
}

function push(series: number[], value: number): void {
  series.push(value);
  if (series.length > HISTORY_S) series.shift();
}

function draw(): void {
  if (context === null) return;
  const ratio = devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  const pad = { left: 44, right: 16, top: 16, bottom: 28 };
  const top = Math.max(10, ...limitSeries, ...sharedSeries) * 1.15;
  const x = (index: number): number => pad.left + (index / (HISTORY_S - 1)) * (width - pad.left - pad.right);
  const y = (value: number): number => height - pad.bottom - (value / top) * (height - pad.top - pad.bottom);
  context.font = '12px system-ui, sans-serif';
  context.fillStyle = '#8b93a7';
  context.strokeStyle = '#262c3a';
  context.lineWidth = 1;
  for (let step = 0; step <= 4; step++) {
    const value = (top / 4) * step;
    context.beginPath();
    context.moveTo(pad.left, y(value));
    context.lineTo(width - pad.right, y(value));
    context.stroke();
    context.fillText(String(Math.round(value)), 8, y(value) + 4);
  }
  context.fillText(`last ${HISTORY_S} s, requests per second`, pad.left, height - 8);
  const offset = HISTORY_S - sharedSeries.length;
  const line = (series: readonly number[], color: string, fill: boolean, dash: number[] = []): void => {
    if (series.length === 0) return;
    context.beginPath();
    context.setLineDash(dash);
    series.forEach((value, index) => (index === 0 ? context.moveTo(x(offset + index), y(value)) : context.lineTo(x(offset + index), y(value))));
    context.strokeStyle = color;
    context.lineWidth = 2.5;
    context.stroke();
    if (fill) {
      context.lineTo(x(offset + series.length - 1), y(0));
      context.lineTo(x(offset), y(0));
      context.closePath();
      const gradient = context.createLinearGradient(0, pad.top, 0, height - pad.bottom);
      gradient.addColorStop(0, `${color}55`);
      gradient.addColorStop(1, `${color}00`);
      context.fillStyle = gradient;
      context.fill();
    }
    context.setLineDash([]);
  };
  line(limitSeries, '#f25f5c', false, [6, 5]);
  line(sharedSeries, '#4cc9f0', true);
  line(mineSeries, '#b8f27c', true);
}

const rows = new Map<Widget, { interval: HTMLElement; age: HTMLElement; bar: HTMLElement; source: HTMLElement }>();
const table = element('widgets');
for (const widget of widgets) {
  const row = document.createElement('tr');
  const cell = (text = ''): HTMLElement => {
    const td = document.createElement('td');
    td.textContent = text;
    row.append(td);
    return td;
  };
  cell(widget.name);
  cell(`${widget.every} ms`);
  const interval = cell('…');
  const age = cell('…');
  const barCell = cell();
  const bar = document.createElement('i');
  barCell.append(bar);
  const source = cell('…');
  table.append(row);
  rows.set(widget, { interval, age, bar, source });
}

/** Each widget's effective interval, the age of its data (bar: age against the effective interval) and its source. */
function renderWidgets(): void {
  const now = Date.now();
  for (const [widget, row] of rows) {
    const interval = widget.handle?.intervalMs ?? widget.every;
    row.interval.textContent = Number.isFinite(interval) ? `${Math.round(interval)} ms` : 'paused';
    const age = widget.fetchedAt === undefined ? undefined : Math.max(0, now - widget.fetchedAt);
    row.age.textContent = age === undefined ? '…' : `${age} ms`;
    row.bar.style.width = `${Math.min(100, age === undefined ? 0 : (age / Math.max(1, interval)) * 66)}%`;
    row.bar.dataset['stale'] = String(age !== undefined && age > 1.5 * interval);
    row.source.textContent = widget.source ?? '…';
    row.source.dataset['source'] = widget.source ?? '';
  }
}

setInterval(() => void tick(), 1000);
setInterval(renderWidgets, 100);
void tick();
