/**
 * Scheduling overhead of ky-quota vs ky behind p-queue, with the same stub fetch (no network):
 *   1. time per request (many requests queued at once, medians of rounds), and the ratio;
 *   2. heap held by 100,000 queued requests (ky-quota with a spent quota vs a paused p-queue);
 *   3. time until all 100,000 settle after their AbortSignal aborts.
 *
 *   node bench/overhead.ts            (or: node bench/run.ts overhead)
 *   node bench/overhead.ts --requests=20000 --rounds=7 --queued=100000
 *   node --expose-gc bench/overhead.ts --only=heap      (or --only=timing)
 *
 * ky-quota runs with coalescing off where it is compared with p-queue (p-queue would send 100,000
 * identical GETs; ky-quota would send one), and once more on identical GETs with coalescing on.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parseArgs } from 'node:util';
import { writeFile, mkdir } from 'node:fs/promises';
import ky from 'ky';
import PQueue from 'p-queue';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const { values } = parseArgs({
  args: process.argv.slice(2).filter((argument) => argument !== 'overhead'),
  options: {
    requests: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '5' },
    queued: { type: 'string', default: '100000' },
    only: { type: 'string', default: 'all' },
  },
  allowPositionals: true,
});
const REQUESTS = Number(values.requests);
const ROUNDS = Number(values.rounds);
const QUEUED = Number(values.queued);
const ONLY = values.only;
if (!['all', 'heap', 'timing'].includes(ONLY)) throw new RangeError(`Expected \`--only\` to be all, heap or timing, got \`${ONLY}\``);
const BASE = 'http://stub.test/';

const stubFetch = async (): Promise<Response> => new Response('{}');

interface Subject {
  name: string;
  /** Sends one GET through the subject and resolves with its parsed body. */
  get(signal?: AbortSignal): Promise<unknown>;
  close(): Promise<void>;
}

type SubjectFactory = (mode: 'open' | 'blocked') => Promise<Subject>;

const bareKy: SubjectFactory = async () => {
  const api = ky.create({ baseUrl: BASE, fetch: stubFetch, retry: 0 });
  return { name: 'ky (no scheduler)', get: (signal) => api.get('x', { signal }).json(), close: async () => undefined };
};

const kyBehindPQueue: SubjectFactory = async (mode) => {
  const api = ky.create({ baseUrl: BASE, fetch: stubFetch, retry: 0 });
  const queue = new PQueue({ autoStart: mode === 'open' });
  return {
    name: 'ky behind p-queue',
    get: (signal) => queue.add(() => api.get('x', { signal }).json(), { signal }),
    close: async () => queue.clear(),
  };
};

const kyQuotaWith = (name: string, coalesce: boolean): SubjectFactory => async (mode) => {
  const { createClient } = await import('../src/index.ts');
  // Open: a limit far above what the loop can send. Blocked: one request per hour, spent at once.
  const limits = mode === 'open' ? { limit: 1_000_000_000, windowMs: 1000 } : { limit: 1, windowMs: 3_600_000 };
  const api = createClient({ baseUrl: BASE, fetch: stubFetch, retry: 0, quota: { ...limits, coalesce } });
  if (mode === 'blocked') await api.get('x').json();
  return { name, get: (signal) => api.get('x', { signal }).json(), close: () => api.quota.close() };
};
const kyQuota = kyQuotaWith('ky-quota', false);
const kyQuotaCoalesced = kyQuotaWith('ky-quota, identical GETs coalesced', true);
/** The default client (coalescing on) on distinct URLs: what keying every GET costs when none is shared. */
const kyQuotaDistinct: SubjectFactory = async (mode) => {
  const { createClient } = await import('../src/index.ts');
  const limits = mode === 'open' ? { limit: 1_000_000_000, windowMs: 1000 } : { limit: 1, windowMs: 3_600_000 };
  const api = createClient({ baseUrl: BASE, fetch: stubFetch, retry: 0, quota: limits });
  if (mode === 'blocked') await api.get('x').json();
  let next = 0;
  return { name: 'ky-quota, coalescing on, distinct URLs', get: (signal) => api.get(`x/${next++}`, { signal }).json(), close: () => api.quota.close() };
};

const factoryLabels = new Map<SubjectFactory, string>([
  [bareKy, 'ky (no scheduler)'],
  [kyBehindPQueue, 'ky behind p-queue'],
  [kyQuota, 'ky-quota'],
  [kyQuotaCoalesced, 'ky-quota, identical GETs coalesced'],
  [kyQuotaDistinct, 'ky-quota, coalescing on, distinct URLs'],
]);

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Rounds interleave the subjects (rotating who goes first) so drift in machine load hits all alike. */
async function timePerRequest(factories: SubjectFactory[]): Promise<Array<{ name: string; microsPerRequest: number } | { name: string; error: string }>> {
  const subjects: Array<Subject | { name: string; error: string }> = [];
  for (const factory of factories) {
    try {
      const subject = await factory('open');
      // Warm up the JIT.
      await Promise.all(Array.from({ length: Math.min(2000, REQUESTS) }, () => subject.get()));
      subjects.push(subject);
    } catch (error) {
      subjects.push({ name: factoryLabels.get(factory) ?? factory.name, error: error instanceof Error ? error.message : String(error) });
    }
  }
  const samples = new Map<Subject, number[]>();
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      for (let index = 0; index < subjects.length; index += 1) {
        const subject = subjects[(index + round) % subjects.length];
        if (subject === undefined || 'error' in subject) continue;
        const started = performance.now();
        await Promise.all(Array.from({ length: REQUESTS }, () => subject.get()));
        const list = samples.get(subject) ?? [];
        list.push(((performance.now() - started) * 1000) / REQUESTS);
        samples.set(subject, list);
      }
    }
  } finally {
    for (const subject of subjects) if (!('error' in subject)) await subject.close();
  }
  return subjects.map((subject) =>
    'error' in subject ? subject : { name: subject.name, microsPerRequest: median(samples.get(subject) ?? []) },
  );
}

async function heapAndAbort(factory: SubjectFactory): Promise<{ name: string; heapBytes: number; bytesPerRequest: number; settleMs: number; allRejected: boolean }> {
  const subject = await factory('blocked');
  try {
    const controller = new AbortController();
    await settleHeap();
    const before = process.memoryUsage().heapUsed;
    const pending = Array.from({ length: QUEUED }, () => subject.get(controller.signal));
    const settled = Promise.allSettled(pending);
    // Let every request reach its queue (ky builds its Request asynchronously).
    await settleHeap();
    const heapBytes = process.memoryUsage().heapUsed - before;
    const started = performance.now();
    controller.abort(new Error('bench abort'));
    const results = await settled;
    const settleMs = performance.now() - started;
    return {
      name: subject.name,
      heapBytes,
      bytesPerRequest: heapBytes / QUEUED,
      settleMs,
      allRejected: results.every((result) => result.status === 'rejected'),
    };
  } finally {
    await subject.close();
  }
}

/** Several full collections with turns of the event loop between them (weak refs, finalizers). */
async function settleHeap(): Promise<void> {
  for (let pass = 0; pass < 4; pass += 1) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
}

async function guarded<T>(label: string, task: () => Promise<T>): Promise<T | { name: string; error: string }> {
  try {
    return await task();
  } catch (error) {
    return { name: label, error: error instanceof Error ? error.message : String(error) };
  }
}

// Heap first, while the process is clean; each subject is imported before either is measured.
await guarded('warm-up', async () => (await kyQuota('open')).close());
const memory =
  ONLY === 'timing'
    ? []
    : [
        await guarded('ky behind p-queue', () => heapAndAbort(kyBehindPQueue)),
        await guarded('ky-quota', () => heapAndAbort(kyQuota)),
        await guarded('ky-quota, coalescing on, distinct URLs', () => heapAndAbort(kyQuotaDistinct)),
        await guarded('ky-quota, identical GETs coalesced', () => heapAndAbort(kyQuotaCoalesced)),
      ];
const timing = ONLY === 'heap' ? [] : await timePerRequest([bareKy, kyBehindPQueue, kyQuota, kyQuotaDistinct]);

const micros = (name: string): number | undefined => {
  const entry = timing.find((item) => item.name === name);
  return entry !== undefined && 'microsPerRequest' in entry ? entry.microsPerRequest : undefined;
};
const heap = (name: string): number | undefined => {
  const entry = memory.find((item) => item.name === name);
  return entry !== undefined && 'heapBytes' in entry ? entry.heapBytes : undefined;
};
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? 'n/a' : (a / b).toFixed(2);

const lines = [
  `Scheduling overhead, stub fetch, ${REQUESTS} requests queued at once, median of ${ROUNDS} rounds:`,
  '',
  '| client | µs / request |',
  '|---|---|',
  ...timing.map((item) => `| ${item.name} | ${'microsPerRequest' in item ? item.microsPerRequest.toFixed(1) : `failed: ${item.error}`} |`),
  '',
  `ratio ky-quota / (ky behind p-queue): ${ratio(micros('ky-quota'), micros('ky behind p-queue'))}`,
  '',
  `${QUEUED.toLocaleString('en')} queued requests, then one AbortSignal aborts them all:`,
  '',
  '| client | heap | bytes / request | time to settle all | all rejected |',
  '|---|---|---|---|---|',
  ...memory.map((item) =>
    'heapBytes' in item
      ? `| ${item.name} | ${(item.heapBytes / 1024 / 1024).toFixed(1)} MB | ${Math.round(item.bytesPerRequest)} | ${item.settleMs.toFixed(0)} ms | ${item.allRejected} |`
      : `| ${item.name} | failed: ${item.error} | | | |`,
  ),
  '',
  `heap ratio ky-quota / (ky behind p-queue): ${ratio(heap('ky-quota'), heap('ky behind p-queue'))}`,
];
console.log(lines.join('\n'));
// A partial run (--only) prints its figures but leaves the recorded results alone.
if (ONLY === 'all') await mkdir(new URL('./results/', import.meta.url), { recursive: true });
if (ONLY === 'all') await writeFile(
  new URL('./results/overhead.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, requests: REQUESTS, rounds: ROUNDS, queued: QUEUED, timing, memory }, null, 2)}\n`,
);
