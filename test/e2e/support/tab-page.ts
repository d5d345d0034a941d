/**
 * The page every e2e tab loads (bundled by esbuild from src/ in the test's setup): a greedy
 * poller on ky-quota's default store, driven from the test through `window.kq`.
 */
import { BroadcastQuotaStore, MemoryQuotaStore, createClient, type QuotaStore } from '../../../src/index.ts';
import { quotaNames } from '../../../src/store/broadcast/names.ts';
import { recordModelCalls, type ModelCall } from './model-log.ts';

/** What a tab reports to the test when its loops stop. */
export interface TabResults {
  ok: number;
  failed: number;
  status429: number;
  errors: string[];
  role: string;
  kind: string;
  steals: number;
  elections: number;
  /**
   * Loops still reading a response's body when `stop()` gave up, with ky-quota idle (nothing
   * queued, nothing in flight, no fetch open): a body that was streaming when Chromium froze the
   * page can stay unfinished after it resumes. Any other stuck state is an error.
   */
  pendingBodies: number;
  /** Times this page came back from the bfcache (`pageshow` with `persisted`). */
  restored: number;
  /** The store's tab id ('' on the memory store). */
  tabId: string;
  /** When this tab became leader, epoch ms (each election). */
  ledAt: number[];
}

/**
 * Timings for the test's diagnostics, epoch ms (tabs of one browser share one clock):
 * `grants` [leader's grant time, when the grant reached this tab's scheduler, the leader's epoch],
 * `reports` [grant time, response time, status], `fetches` [url, fetch called, response],
 * `snaps` (the leader's model every 100 ms) [time, limit, windowMs, remaining, inFlight].
 */
export interface TabTrace {
  grants: [number, number, number][];
  reports: [number, number, number][];
  fetches: [string, number, number][];
  snaps: [number, number, number, number, number][];
  /** Every other tab's protocol message, as a second channel in this tab hears it: [time, type, from, to, id, detail]. */
  messages: [number, string, string, string, string, string][];
  /** With `?modellog`: every QuotaModel call in this tab, in order, with its answer (for a replay in Node). */
  model: ModelCall[];
}
const trace: TabTrace = { grants: [], reports: [], fetches: [], snaps: [], messages: [], model: [] };
// Every call into this tab's quota models, for an offline replay (support/replay-model.ts).
if (new URLSearchParams(location.search).has('modellog')) recordModelCalls(trace.model);
if (new URLSearchParams(location.search).has('sniff')) {
  const sniffer = new BroadcastChannel(quotaNames('e2e').channel);
  sniffer.onmessage = (event: MessageEvent) => {
    const message = event.data as Record<string, unknown>;
    const detail = message['type'] === 'deny' ? `${String(message['reason'])}@${String(message['retryAt'])}` : message['type'] === 'lead' ? String(message['epoch']) : '';
    if (trace.messages.length < 50_000) {
      trace.messages.push([Date.now(), String(message['type']), String(message['from']).slice(0, 6), String(message['to'] ?? '').slice(0, 6), String(message['id'] ?? message['rid'] ?? ''), detail]);
    }
  };
}

const tracedFetch: typeof fetch = async (input, init) => {
  const url = input instanceof Request ? input.url : String(input);
  const entry: [string, number, number] = [new URL(url).pathname + new URL(url).search, Date.now(), -1];
  trace.fetches.push(entry);
  const response = await fetch(input, init);
  entry[2] = Date.now();
  return response;
};

function storeFor(query: URLSearchParams): QuotaStore {
  if (query.get('store') === 'memory') return new MemoryQuotaStore();
  return new BroadcastQuotaStore({ name: 'e2e', maxInFlight: query.get('inflight') === 'unlimited' ? Number.POSITIVE_INFINITY : 6 });
}

const api = createClient({
  baseUrl: `${location.origin}/api/`,
  retry: { limit: 5 },
  timeout: false,
  cache: 'no-store',
  fetch: tracedFetch,
  // The loopback API speaks HTTP/1.1: all tabs share the browser's 6 connections to it
  // (`?inflight=unlimited` measures without the cap).
  quota: { name: 'e2e', store: storeFor(new URLSearchParams(location.search)) },
});
const store = api.quota.store;
// Instance wrappers (the scheduler calls `store.take`/`store.report` on this object) record timings.
const take = store.take.bind(store);
const report = store.report.bind(store);
store.take = (request) => {
  const result = take(request);
  const note = (decision: Awaited<typeof result>): typeof decision => {
    if (decision.ok) trace.grants.push([decision.send.sentAt, Date.now(), (decision.send as { epoch?: number }).epoch ?? 0]);
    return decision;
  };
  return result instanceof Promise ? result.then(note) : note(result);
};
store.report = (grant, observation) => {
  trace.reports.push([grant.send.sentAt, observation.now, observation.status ?? 0]);
  return report(grant, observation);
};
setInterval(() => {
  if (controls.role() !== 'leader' && controls.role() !== 'memory') return;
  const now = Date.now();
  for (const snapshot of store.snapshot(now).values()) trace.snaps.push([now, snapshot.limit ?? -1, snapshot.windowMs ?? -1, snapshot.remaining ?? -1, snapshot.inFlight]);
}, 100);
const results: TabResults = { ok: 0, failed: 0, status429: 0, errors: [], role: '', tabId: '', pendingBodies: 0, restored: 0, kind: store.kind, steals: 0, elections: 0, ledAt: [] };
if (store instanceof BroadcastQuotaStore) {
  store.onRoleChange((role) => {
    if (role === 'leader') results.ledAt.push(Date.now());
  });
}
api.quota.on('limited', () => results.status429++);
addEventListener('pageshow', (event) => {
  if (event.persisted) results.restored++;
});
let running = false;
/** Loop progress counters, for a stuck tab's diagnosis. */
const phase = { gotResponse: 0, readBody: 0 };
let loops: Promise<void>[] = [];
let sequence = 0;
const id = Math.random().toString(36).slice(2, 8);

async function loop(): Promise<void> {
  while (running) {
    try {
      const response = await api.get(`items?tab=${id}&n=${sequence++}`);
      phase.gotResponse++;
      await response.json();
      phase.readBody++;
      results.ok++;
    } catch (error) {
      results.failed++;
      if (results.errors.length < 5) results.errors.push(String(error));
    }
  }
}

const controls = {
  start(count: number): void {
    running = true;
    loops = Array.from({ length: count }, () => loop());
  },
  /** Stop the loops; resolves with what is still stuck after 5 s (so a stall fails the test instead of hanging it). */
  async stop(): Promise<string | undefined> {
    running = false;
    const done = await Promise.race([Promise.all(loops).then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000))]);
    if (done) return undefined;
    const open = trace.fetches.filter((entry) => entry[2] < 0).length;
    const stuck = `queued ${api.quota.queued}, inFlight ${api.quota.inFlight}, fetches open ${open}, responses ${phase.gotResponse}, bodies ${phase.readBody}, role ${controls.role()}, snapshot ${JSON.stringify(api.quota.snapshot())}`;
    if (api.quota.queued === 0 && api.quota.inFlight === 0 && open === 0 && phase.gotResponse > phase.readBody) results.pendingBodies = phase.gotResponse - phase.readBody;
    else results.errors.push(`stuck: ${stuck}`);
    return stuck;
  },
  role(): string {
    return store instanceof BroadcastQuotaStore ? store.role : store.kind;
  },
  trace(): TabTrace {
    return trace;
  },
  results(): TabResults {
    if (store instanceof BroadcastQuotaStore) {
      const stats = store.stats;
      results.role = stats.role;
      results.tabId = stats.tabId;
      results.steals = stats.steals;
      results.elections = stats.elections;
    }
    return results;
  },
  async close(): Promise<void> {
    running = false;
    await api.quota.close();
  },
};
(globalThis as { kq?: typeof controls }).kq = controls;
document.title = 'ready';
