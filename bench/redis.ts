/**
 * Several Node processes, one quota through Redis (issue 5):
 *
 *   node bench/redis.ts                       every run below, 10 s each (about 75 s)
 *   node bench/redis.ts --runs=redis,memory --duration=5000
 *   node bench/redis.ts --repeat=3            each run 3 times, then the medians
 *   node bench/redis.ts --runs=redis --trace  where the quota went: admissions per second,
 *                                             arrival lags, the shared state every 250 ms
 *
 * Runs (4 forked worker processes, each a greedy bulk job, against one 100 req/s sliding-window
 * loopback server with 20-30 ms latency, a real redis-server on loopback):
 * - redis:           the Redis store, IETF headers (the window is stated)
 * - memory:          the in-memory store in each process, same server: what sharing prevents
 * - redis-unstated:  the Redis store, X-RateLimit-* headers (no window: remaining + reset only)
 * - outage-local:    Redis killed for 2 s mid-run, `onStoreError: 'local'`
 * - outage-fail:     the same with `onStoreError: 'fail'`
 * - overhead:        one process, no HTTP: take + report per request, Redis vs memory
 *
 * Writes bench/results/redis.json. DEBUG_REDIS_STATE=1 also prints accepted requests per 100 ms
 * and each bucket's Redis state after a run.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startReferenceServer } from './server/http-server.ts';
import type { Dialect } from './server/dialects.ts';
import { startRedisServer, type RedisServer } from './redis-server.ts';
import type { WorkerConfig, WorkerResult } from './redis-worker.ts';
import { MemoryQuotaStore, type QuotaStore } from '../src/index.ts';
import { createRedisStore } from '../src/redis/index.ts';

const LIMIT = 100;
const WINDOW_MS = 1000;
const PROCESSES = 4;
const IN_FLIGHT_PER_PROCESS = 50;

interface Run {
  id: string;
  label: string;
  store: 'redis' | 'memory';
  dialect: Dialect;
  onStoreError: 'fail' | 'local';
  outage: boolean;
}

const allRuns: Run[] = [
  { id: 'redis', label: 'Redis store, window stated (IETF)', store: 'redis', dialect: 'ietf', onStoreError: 'fail', outage: false },
  { id: 'memory', label: 'in-memory store per process', store: 'memory', dialect: 'ietf', onStoreError: 'fail', outage: false },
  { id: 'redis-unstated', label: 'Redis store, window not stated (X-RateLimit)', store: 'redis', dialect: 'x-ratelimit-epoch', onStoreError: 'fail', outage: false },
  { id: 'outage-local', label: "Redis down 2 s mid-run, onStoreError 'local'", store: 'redis', dialect: 'ietf', onStoreError: 'local', outage: true },
  { id: 'outage-fail', label: "Redis down 2 s mid-run, onStoreError 'fail'", store: 'redis', dialect: 'ietf', onStoreError: 'fail', outage: true },
];

const { values } = parseArgs({ options: { runs: { type: 'string' }, duration: { type: 'string' }, repeat: { type: 'string' }, trace: { type: 'boolean' } } });
const trace = values.trace === true;
const repeat = Math.max(1, Number(values.repeat ?? 1));
const durationMs = Number(values.duration ?? 10_000);
const wanted = (values.runs ?? [...allRuns.map((run) => run.id), 'overhead'].join(',')).split(',');

async function scriptCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_(evalsha|eval):calls=(\d+)/gm)) calls += Number(match[2]);
  return calls;
}

function waitFor<T>(child: ChildProcess, pick: (message: unknown) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown): void => {
      const value = pick(message);
      if (value === undefined) return;
      child.off('message', onMessage);
      resolve(value);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) early`)));
  });
}

async function runOne(run: Run, redisServer: RedisServer, admin: Redis): Promise<Record<string, unknown>> {
  const server = await startReferenceServer({ algorithm: 'sliding', limit: LIMIT, windowMs: WINDOW_MS, dialect: run.dialect });
  const workerPath = fileURLToPath(new URL('./redis-worker.ts', import.meta.url));
  const workers = Array.from({ length: PROCESSES }, () => fork(workerPath, [], { stdio: 'inherit' }));
  const config: WorkerConfig = {
    url: server.url,
    redisUrl: redisServer.url,
    prefix: `bench-${run.id}-${Date.now()}`,
    store: run.store,
    onStoreError: run.onStoreError,
    inFlight: IN_FLIGHT_PER_PROCESS,
    trace,
  };
  try {
    await Promise.all(
      workers.map((worker) => {
        const ready = waitFor(worker, (message) => ((message as { ready?: boolean }).ready ? true : undefined));
        worker.send({ config });
        return ready;
      }),
    );
    const callsBefore = await scriptCalls(admin);
    server.restart();
    const startedAt = Date.now();
    const deadline = startedAt + durationMs;
    const results = workers.map((worker) => waitFor(worker, (message) => (message as { result?: WorkerResult }).result));
    for (const worker of workers) worker.send({ go: deadline });
    const outage: { killedAt?: number; restartedAt?: number } = {};
    if (run.outage) {
      await new Promise((resolve) => setTimeout(resolve, durationMs * 0.4));
      await redisServer.kill();
      outage.killedAt = Date.now() - startedAt;
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await redisServer.start();
      outage.restartedAt = Date.now() - startedAt;
    }
    const samples: string[] = [];
    let sampling = trace && run.store === 'redis' && !run.outage;
    const sampler = (async () => {
      while (sampling) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        const keys = await admin.keys(`${config.prefix}:*:state`);
        for (const key of keys) {
          const state = await admin.hgetall(key);
          const logged = await admin.zcount(key.replace(/state$/, 'log'), Date.now() - WINDOW_MS, '+inf');
          samples.push(`${((Date.now() - startedAt) / 1000).toFixed(2)}s hold ${state.hold} spread ${state.spread} log/W ${logged} sync_rem ${state.sync_rem} foreign ${state.sync_foreign}`);
        }
      }
    })();
    const perProcess = await Promise.all(results);
    sampling = false;
    await sampler;
    if (trace) printTrace(perProcess, server.stats().acceptedAt, startedAt, samples);
    if (process.env.DEBUG_REDIS_STATE) {
      const bins = new Array<number>(Math.ceil(durationMs / 100)).fill(0);
      for (const at of server.stats().acceptedAt) {
        const bin = Math.floor((at - startedAt) / 100);
        if (bin >= 0 && bin < bins.length) bins[bin] = (bins[bin] ?? 0) + 1;
      }
      console.log(bins.join(' '));
      for (const key of await admin.keys(`${config.prefix}:*:state`)) console.log(key, await admin.hgetall(key), await admin.lrange(key.replace(/state$/, 'rtt'), 0, -1));
    }
    const stats = server.stats();
    const end = startedAt + durationMs;
    const accepted = stats.acceptedAt.filter((at) => at <= end).length;
    const rejected = stats.rejectedAt.filter((at) => at <= end).length;
    const sum = (pick: (result: WorkerResult) => number): number => perProcess.reduce((total, result) => total + pick(result), 0);
    const calls = run.store === 'redis' && !run.outage ? (await scriptCalls(admin)) - callsBefore : undefined;
    const settledOk = sum((result) => result.ok + result.limited + result.storeErrors + result.otherErrors + result.aborted);
    return {
      run: run.id,
      label: run.label,
      accepted,
      rejected429: rejected,
      utilization: accepted / ((LIMIT * durationMs) / WINDOW_MS),
      maxAcceptedPerWindow: stats.maxAcceptedPerWindow,
      started: sum((result) => result.started),
      ok: sum((result) => result.ok),
      limitedAfterRetries: sum((result) => result.limited),
      storeErrors: sum((result) => result.storeErrors),
      otherErrors: sum((result) => result.otherErrors),
      abortedAtDeadline: sum((result) => result.aborted),
      lost: sum((result) => result.started) - settledOk,
      roundTripsPerRequest: calls === undefined ? undefined : calls / Math.max(1, accepted + rejected),
      ...outage,
      local: run.outage
        ? perProcess.map((result) => ({ from: result.localFrom, to: result.localTo, storeFailures: result.storeFailures.length }))
        : undefined,
      errorSamples: perProcess.flatMap((result) => result.errorSamples).slice(0, 3),
    };
  } finally {
    for (const worker of workers) if (worker.exitCode === null) worker.kill();
    await server.close();
  }
}

async function overhead(redisServer: RedisServer, admin: Redis): Promise<Record<string, unknown>> {
  const defaults = { limit: 1_000_000_000, windowMs: 60_000, initialConcurrency: 1, maxRetryAfterMs: 60_000 };
  const measure = async (store: QuotaStore, count: number): Promise<number> => {
    const bucket = `overhead-${store.kind}-${Date.now()}`;
    const once = async (): Promise<void> => {
      const decision = await store.take({ bucket, cost: { requests: 1 }, now: Date.now(), defaults });
      if (!decision.ok) throw new Error(`refused: ${JSON.stringify(decision)}`);
      await store.report({ bucket, send: decision.send }, { now: Date.now(), status: 200 });
    };
    for (let index = 0; index < 200; index++) await once(); // warm up
    const started = process.hrtime.bigint();
    for (let index = 0; index < count; index++) await once();
    return Number(process.hrtime.bigint() - started) / 1000 / count;
  };
  const memory = new MemoryQuotaStore();
  const memoryMicros = await measure(memory, 20_000);
  await memory.close();
  const redis = new Redis(redisServer.url);
  const store = createRedisStore({ redis, prefix: `bench-overhead-${Date.now()}` });
  const count = 5000;
  const before = await scriptCalls(admin);
  const redisMicros = await measure(store, count);
  const calls = (await scriptCalls(admin)) - before;
  await store.close();
  redis.disconnect();
  return {
    run: 'overhead',
    memoryMicrosPerRequest: memoryMicros,
    redisMicrosPerRequest: redisMicros,
    redisRoundTripsPerRequest: calls / (count + 200),
  };
}

const quantiles = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return `min ${at(0)} p10 ${at(0.1)} p50 ${at(0.5)} p90 ${at(0.9)} p99 ${at(0.99)} max ${sorted.at(-1)}`;
};

/** `--trace`: where the quota went (per-second admissions, arrival lags, the shared state over time). */
function printTrace(perProcess: WorkerResult[], acceptedAt: number[], startedAt: number, samples: string[]): void {
  const perSecond = new Array<number>(Math.ceil(durationMs / 1000)).fill(0);
  for (const at of acceptedAt) {
    const second = Math.floor((at - startedAt) / 1000);
    if (second >= 0 && second < perSecond.length) perSecond[second] = (perSecond[second] ?? 0) + 1;
  }
  console.log(`\n  accepted per second: ${perSecond.join(' ')}`);
  const requests = perProcess.flatMap((result) => result.requests ?? []);
  const arrival = requests.filter((request) => request.n > 0).map((request) => (acceptedAt[request.n - 1] ?? Number.NaN) - request.dispatchedAt);
  console.log(`  dispatch -> admission ms: ${quantiles(arrival)}`);
  console.log(`  dispatch -> response ms: ${quantiles(requests.map((request) => request.respondedAt - request.dispatchedAt))}`);
  // grants and admissions paired in order (the pairing that bounds the spread from below)
  const grants = perProcess.flatMap((result) => result.grants ?? []).sort((a, b) => a - b);
  const lags = acceptedAt.slice(0, grants.length).map((at, index) => at - (grants[index] ?? Number.NaN));
  console.log(`  grant -> admission ms (paired in order): ${quantiles(lags)}`);
  for (const sample of samples) console.log(`  ${sample}`);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const MEDIAN_FIELDS = ['accepted', 'rejected429', 'utilization', 'maxAcceptedPerWindow', 'lost', 'storeErrors', 'roundTripsPerRequest', 'memoryMicrosPerRequest', 'redisMicrosPerRequest', 'redisRoundTripsPerRequest'];

/** Per run id, the median of every numeric field of its repeats (and the range of accepted). */
function medianRecords(records: Record<string, unknown>[]): Record<string, Record<string, number | string>> {
  const byRun = new Map<string, Record<string, unknown>[]>();
  for (const record of records) byRun.set(String(record.run), [...(byRun.get(String(record.run)) ?? []), record]);
  const result: Record<string, Record<string, number | string>> = {};
  for (const [run, group] of byRun) {
    const entry: Record<string, number | string> = { runs: group.length };
    for (const field of MEDIAN_FIELDS) {
      const values = group.map((record) => record[field]).filter((value): value is number => typeof value === 'number');
      if (values.length > 0) entry[field] = median(values);
    }
    const accepted = group.map((record) => record.accepted).filter((value): value is number => typeof value === 'number');
    if (accepted.length > 0) entry.acceptedRange = `${Math.min(...accepted)}-${Math.max(...accepted)}`;
    result[run] = entry;
  }
  return result;
}

function printMedians(records: Record<string, unknown>[]): void {
  console.log(`\nmedians of ${repeat} runs:`);
  for (const [run, entry] of Object.entries(medianRecords(records))) {
    const shown = Object.entries(entry).map(([field, value]) => `${field} ${typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(3) : value}`);
    console.log(`  ${run}: ${shown.join(', ')}`);
  }
}

const percent = (value: unknown): string => (typeof value === 'number' ? `${(value * 100).toFixed(1)} %` : '-');

async function main(): Promise<void> {
  const redisServer = await startRedisServer();
  const admin = new Redis(redisServer.url, { retryStrategy: () => 100 });
  admin.on('error', () => {});
  const records: Record<string, unknown>[] = [];
  try {
    for (const run of allRuns.filter((candidate) => wanted.includes(candidate.id))) {
      for (let time = 1; time <= repeat; time++) {
        process.stdout.write(`${run.label}: ${PROCESSES} processes x ${durationMs / 1000} s${repeat > 1 ? ` (${time}/${repeat})` : ''} ... `);
        const record = await runOne(run, redisServer, admin);
        records.push(record);
        console.log(
          `accepted ${String(record.accepted)}, 429s ${String(record.rejected429)}, utilization ${percent(record.utilization)}, ` +
            `max per window ${String(record.maxAcceptedPerWindow)}, lost ${String(record.lost)}` +
            (record.roundTripsPerRequest === undefined ? '' : `, round trips/request ${(record.roundTripsPerRequest as number).toFixed(2)}`),
        );
        if (run.outage) {
          console.log(
            `  Redis killed at ${String(record.killedAt)} ms, back at ${String(record.restartedAt)} ms; ` +
              `store errors ${String(record.storeErrors)}, other errors ${String(record.otherErrors)}, aborted at deadline ${String(record.abortedAtDeadline)}; ` +
              `local share per process: ${JSON.stringify(record.local)}`,
          );
        }
      }
    }
    if (wanted.includes('overhead')) {
      for (let time = 1; time <= repeat; time++) {
        const record = await overhead(redisServer, admin);
        records.push(record);
        console.log(
          `overhead (take + report, no HTTP): memory ${(record.memoryMicrosPerRequest as number).toFixed(1)} µs/request, ` +
            `Redis ${(record.redisMicrosPerRequest as number).toFixed(1)} µs/request, ${(record.redisRoundTripsPerRequest as number).toFixed(2)} round trips/request`,
        );
      }
    }
    if (repeat > 1) printMedians(records);
  } finally {
    admin.disconnect();
    await redisServer.stop();
  }
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  const medians = repeat > 1 ? medianRecords(records) : undefined;
  await writeFile(new URL('./results/redis.json', import.meta.url), `${JSON.stringify({ date: new Date().toISOString(), durationMs, repeat, medians, records }, null, 2)}\n`);
}

await main();
