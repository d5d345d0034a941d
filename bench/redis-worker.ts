/**
 * One process of bench/redis.ts: a greedy bulk job (always `inFlight` requests queued or in
 * flight) against the parent's reference server, on a Redis or an in-memory store, until the
 * run's deadline; then it aborts what is left and reports every request's outcome.
 *
 * Protocol (IPC): parent -> { config }, worker -> { ready }, parent -> { go: deadline },
 * worker -> { result }.
 */
import { Redis } from 'ioredis';
import { isHTTPError } from 'ky';
import { createClient, MemoryQuotaStore, type QuotaStore } from '../src/index.ts';
import { createRedisStore, isQuotaStoreError, type RedisQuotaStore } from '../src/redis/index.ts';

export interface WorkerConfig {
  url: string;
  redisUrl: string;
  prefix: string;
  store: 'redis' | 'memory';
  onStoreError: 'fail' | 'local';
  inFlight: number;
  /** Record every grant and every request's dispatch, response and admission number (`--trace`). */
  trace?: boolean;
}

/** One request as the worker saw it (`--trace`), times on this host's clock (ms). */
export interface TracedRequest {
  dispatchedAt: number;
  respondedAt: number;
  /** The server's admission number (`n` in its body), 0 for a 429. */
  n: number;
}

export interface WorkerResult {
  started: number;
  ok: number;
  /** Calls that ended in a 429 after ky's retries. */
  limited: number;
  /** Calls rejected with QuotaStoreError (`onStoreError: 'fail'` while Redis was down). */
  storeErrors: number;
  otherErrors: number;
  /** Cut off at the deadline (queued or in flight). */
  aborted: number;
  /** Calls that had not settled 5 s after the deadline. */
  unsettled: number;
  /** Times (ms after go) the store reported a Redis failure. */
  storeFailures: number[];
  /** When this process was on its local share (ms after go): first and last local grant. */
  localFrom: number | undefined;
  localTo: number | undefined;
  errorSamples: string[];
  /** `--trace`: when the store granted each token (this host's clock), and each request. */
  grants?: number[];
  requests?: TracedRequest[];
}

type Message = { config: WorkerConfig } | { go: number };

let config: WorkerConfig | undefined;

process.on('message', (message: Message) => {
  if ('config' in message) {
    config = message.config;
    process.send?.({ ready: true });
  } else if (config !== undefined) {
    void run(config, message.go).then((result) => {
      process.send?.({ result }, () => process.exit(0));
    });
  }
});

async function run(options: WorkerConfig, deadline: number): Promise<WorkerResult> {
  const goAt = Date.now();
  const result: WorkerResult = {
    started: 0, ok: 0, limited: 0, storeErrors: 0, otherErrors: 0, aborted: 0, unsettled: 0,
    storeFailures: [], localFrom: undefined, localTo: undefined, errorSamples: [],
  };
  const redis = options.store === 'redis' ? new Redis(options.redisUrl, { retryStrategy: () => 100, maxRetriesPerRequest: 1 }) : undefined;
  redis?.on('error', () => {});
  let redisStore: RedisQuotaStore | undefined;
  let store: QuotaStore;
  if (redis === undefined) store = new MemoryQuotaStore();
  else {
    redisStore = createRedisStore({
      redis,
      prefix: options.prefix,
      onStoreError: options.onStoreError,
      onError: () => result.storeFailures.push(Date.now() - goAt),
    });
    store = redisStore;
  }
  if (options.trace) {
    const grants: number[] = (result.grants = []);
    const inner = store;
    // the store as the client sees it, noting the time of every grant
    store = {
      kind: inner.kind,
      take: async (request) => {
        const decision = await inner.take(request);
        if (decision.ok) grants.push(Date.now());
        return decision;
      },
      report: (grant, observation) => inner.report(grant, observation),
      subscribe: (listener) => inner.subscribe(listener),
      snapshot: (now) => inner.snapshot(now),
      close: () => inner.close(),
    };
  }
  const requests: TracedRequest[] | undefined = options.trace ? (result.requests = []) : undefined;
  const traced: typeof fetch = async (input, init) => {
    const dispatchedAt = Date.now();
    const response = await fetch(input, init);
    const respondedAt = Date.now();
    if (requests !== undefined) {
      void response
        .clone()
        .json()
        .then((body: { n?: number }) => requests.push({ dispatchedAt, respondedAt, n: body.n ?? 0 }))
        .catch(() => {});
    }
    return response;
  };
  const api = createClient({ baseUrl: options.url, quota: { store }, ...(options.trace ? { fetch: traced } : {}) });
  const controller = new AbortController();
  const pending = new Set<Promise<void>>();

  const one = async (): Promise<void> => {
    result.started++;
    try {
      // a distinct URL per request: identical GETs in flight together may share one response
      await api.get('x', { signal: controller.signal, searchParams: { i: result.started } }).json();
      result.ok++;
    } catch (error) {
      if (controller.signal.aborted) result.aborted++;
      else if (isHTTPError(error) && error.response.status === 429) result.limited++;
      else if (isQuotaStoreError(error)) {
        result.storeErrors++;
        // a job would back off before trying again, not spin on a store that is down
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      else {
        result.otherErrors++;
        if (result.errorSamples.length < 3) result.errorSamples.push(String(error));
      }
    }
    if (redisStore !== undefined && redisStore.localBuckets.length > 0) {
      const at = Date.now() - goAt;
      result.localFrom ??= at;
      result.localTo = at;
    }
  };

  const launch = (): void => {
    if (Date.now() >= deadline) return;
    const promise = one().finally(() => {
      pending.delete(promise);
      launch();
    });
    pending.add(promise);
  };

  for (let index = 0; index < options.inFlight; index++) launch();
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now())));
  controller.abort();
  const settled = Promise.all([...pending]).then(() => true);
  const late = new Promise<false>((resolve) => setTimeout(() => resolve(false), 5000).unref());
  if (!(await Promise.race([settled, late]))) result.unsettled = pending.size;
  await api.quota.close();
  redis?.disconnect();
  return result;
}
