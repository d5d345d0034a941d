/**
 * The page every e2e tab loads (bundled by esbuild from src/ in the test's setup): a greedy
 * poller on ky-quota's default store, driven from the test through `window.kq`.
 */
import { BroadcastQuotaStore, MemoryQuotaStore, createClient } from '../../../src/index.ts';

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
  /** When this tab became leader, epoch ms (each election). */
  ledAt: number[];
}

const api = createClient({ baseUrl: `${location.origin}/api/`, retry: { limit: 5 }, timeout: false, cache: 'no-store', quota: { name: 'e2e', ...(new URLSearchParams(location.search).get('store') === 'memory' ? { store: new MemoryQuotaStore() } : {}) },
});
const store = api.quota.store;
const results: TabResults = { ok: 0, failed: 0, status429: 0, errors: [], role: '', kind: store.kind, steals: 0, elections: 0, ledAt: [] };
if (store instanceof BroadcastQuotaStore) {
  store.onRoleChange((role) => {
    if (role === 'leader') results.ledAt.push(Date.now());
  });
}
api.quota.on('limited', () => results.status429++);
let running = false;
let loops: Promise<void>[] = [];
let sequence = 0;
const id = Math.random().toString(36).slice(2, 8);

async function loop(): Promise<void> {
  while (running) {
    try {
      await api.get(`items?tab=${id}&n=${sequence++}`).json();
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
    const stuck = `queued ${api.quota.queued}, inFlight ${api.quota.inFlight}, role ${controls.role()}, snapshot ${JSON.stringify(api.quota.snapshot())}`;
    results.errors.push(`stuck: ${stuck}`);
    return stuck;
  },
  role(): string {
    return store instanceof BroadcastQuotaStore ? store.role : store.kind;
  },
  results(): TabResults {
    if (store instanceof BroadcastQuotaStore) {
      const stats = store.stats;
      results.role = stats.role;
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
