import type { QuotaModelOptions, TakeDecision, Units } from '../bucket/types.ts';
import { CostExceedsLimitError } from '../errors/cost-exceeds-limit-error.ts';
import { QueueFullError } from '../errors/queue-full-error.ts';
import { QuotaClosedError } from '../errors/quota-closed-error.ts';
import { QuotaTimeoutError } from '../errors/quota-timeout-error.ts';
import type { Grant, QuotaStore } from '../store/quota-store.ts';
import { abortReason } from '../utils/abort.ts';
import type { Clock, TimerHandle } from '../utils/clock.ts';
import { Fifo } from './fifo.ts';
import { WaitQueue, type Queued } from './wait-queue.ts';

/** A store's answer to a take, sync or async. */
type Taken = ReturnType<QuotaStore['take']>;

/** One request waiting for a token. */
export interface AcquireRequest {
  readonly bucket: string;
  readonly cost: Units;
  /** Higher goes first; FIFO within a priority. */
  readonly priority: number;
  readonly signal?: AbortSignal | undefined;
}

/** Options of a {@link Scheduler}. */
export interface SchedulerOptions {
  readonly store: QuotaStore;
  readonly clock: Clock;
  /** Attempts in flight at once across all buckets. */
  readonly concurrency: number;
  /** Requests waiting at once across all buckets; one more is refused with `QueueFullError`. */
  readonly maxQueue: number;
  /** The longest a request waits for a token before `QuotaTimeoutError`. */
  readonly maxWaitMs: number;
  /** How new buckets start. */
  readonly defaults: QuotaModelOptions;
  /** When a wait has no known end (waiting for a response), look again after this long anyway. */
  readonly recheckMs?: number;
  /** Told each time a request is refused a token: the scheduler is waiting on the bucket. */
  readonly onWait?: (bucket: string, decision: Exclude<TakeDecision, { ok: true }>) => void;
}

interface Waiter extends Queued {
  readonly request: AcquireRequest;
  readonly deadline: number;
  resolve(grant: Grant): void;
  reject(reason: unknown): void;
  onAbort: (() => void) | undefined;
}

interface BucketState {
  readonly queue: WaitQueue<Waiter>;
  timer: TimerHandle | undefined;
  /** When the pending timer fires, epoch ms. */
  timerAt: number;
  /** A take is under way (async stores): do not start a second one. */
  taking: boolean;
  /** A pump is queued as a microtask (many aborts at once pump once). */
  pumpQueued: boolean;
}

/**
 * The wait queue in front of a {@link QuotaStore}: priorities, costs, aborts, a queue bound,
 * a wait timeout and a concurrency cap. It asks the store for the head waiter's token and sleeps
 * until the time the store names, or until the store says its bucket changed.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #buckets = new Map<string, BucketState>();
  /** Every waiter in arrival order: deadlines are arrival + maxWaitMs, so this is also deadline order. */
  readonly #byDeadline = new Fifo<Waiter>();
  #deadlineTimer: TimerHandle | undefined;
  #queued = 0;
  #inFlight = 0;
  #idleWaiters: (() => void)[] = [];
  #closed = false;
  readonly #unsubscribe: () => void;

  constructor(options: SchedulerOptions) {
    this.#options = options;
    this.#unsubscribe = options.store.subscribe((bucket) => this.#wake(bucket));
  }

  /** Requests waiting for a token. */
  get queued(): number {
    return this.#queued;
  }

  /** Attempts holding a token whose outcome is not reported yet. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Waiters of one bucket. */
  queuedIn(bucket: string): number {
    return this.#buckets.get(bucket)?.queue.size ?? 0;
  }

  /**
   * Wait for a token. Rejects with the signal's reason on abort, `QueueFullError`, `QuotaTimeoutError`,
   * `QuotaClosedError`, or `CostExceedsLimitError` when the store says the cost can never fit.
   */
  acquire(request: AcquireRequest): Promise<Grant> {
    if (this.#closed) return Promise.reject(new QuotaClosedError(request.bucket));
    const { signal } = request;
    if (signal?.aborted) return Promise.reject(abortReason(signal));
    if (this.#queued >= this.#options.maxQueue) {
      return Promise.reject(new QueueFullError(request.bucket, this.#options.maxQueue));
    }
    const state = this.#bucket(request.bucket);
    if (state.queue.size === 0 && !state.taking && this.#inFlight < this.#options.concurrency) {
      // Nobody waits ahead in this bucket: ask the store now, as the pump would for this request as
      // the head, and queue only if it must wait (most requests of a quota with room never queue).
      const { clock, store, defaults } = this.#options;
      let result: Taken;
      try {
        result = store.take({ bucket: request.bucket, cost: request.cost, now: clock.now(), defaults });
      } catch (error) {
        return Promise.reject(error);
      }
      if (!(result instanceof Promise) && result.ok) {
        this.#inFlight++;
        return Promise.resolve({ bucket: request.bucket, send: result.send, grantedAt: clock.now() });
      }
      return this.#wait(request, state, result);
    }
    return this.#wait(request, state, undefined);
  }

  /** Queue `request`; `asked` is the store's answer to a take already asked for it as the bucket's head. */
  #wait(request: AcquireRequest, state: BucketState, asked: Taken | undefined): Promise<Grant> {
    const { signal } = request;
    return new Promise<Grant>((resolve, reject) => {
      const waiter: Waiter = {
        request,
        priority: request.priority,
        settled: false,
        deadline: this.#options.clock.now() + this.#options.maxWaitMs,
        resolve,
        reject,
        onAbort: undefined,
      };
      if (signal) {
        waiter.onAbort = () => this.#dropWaiter(waiter, abortReason(signal));
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      state.queue.push(waiter);
      this.#queued++;
      if (Number.isFinite(this.#options.maxWaitMs)) {
        this.#byDeadline.push(waiter);
        if (this.#deadlineTimer === undefined) this.#armDeadlineTimer();
      }
      if (asked === undefined) this.#pump(request.bucket);
      else if (this.#use(request.bucket, state, asked)) this.#pump(request.bucket);
    });
  }

  /** The attempt a grant allowed has ended: free its concurrency slot. */
  release(): void {
    this.#inFlight--;
    if (this.#inFlight < this.#options.concurrency) {
      for (const bucket of this.#buckets.keys()) this.#pump(bucket);
    }
    this.#checkIdle();
  }

  /** Resolves when nothing waits and nothing is in flight. */
  onIdle(): Promise<void> {
    if (this.#queued === 0 && this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Reject every waiter with `QuotaClosedError` and clear every timer. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unsubscribe();
    for (const [bucket, state] of this.#buckets) {
      if (state.timer !== undefined) this.#options.clock.clearTimeout(state.timer);
      state.timer = undefined;
      for (const waiter of state.queue.drain()) this.#settle(waiter, undefined, new QuotaClosedError(bucket));
    }
    if (this.#deadlineTimer !== undefined) this.#options.clock.clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#byDeadline.clear();
    this.#checkIdle();
  }

  #bucket(key: string): BucketState {
    let state = this.#buckets.get(key);
    if (state === undefined) {
      state = { queue: new WaitQueue<Waiter>(), timer: undefined, timerAt: 0, taking: false, pumpQueued: false };
      this.#buckets.set(key, state);
    }
    return state;
  }

  #wake(bucket: string): void {
    const state = this.#buckets.get(bucket);
    if (state === undefined || state.queue.size === 0) return;
    if (state.timer !== undefined) {
      this.#options.clock.clearTimeout(state.timer);
      state.timer = undefined;
    }
    this.#pump(bucket);
  }

  /** Hand out tokens to the bucket's head waiters for as long as the store grants them. */
  #pump(bucket: string): void {
    const state = this.#buckets.get(bucket);
    if (state === undefined || state.taking || this.#closed) return;
    if (state.queue.size === 0 && state.timer !== undefined) {
      this.#options.clock.clearTimeout(state.timer);
      state.timer = undefined;
    }
    const { clock, store, defaults } = this.#options;
    while (state.queue.size > 0 && this.#inFlight < this.#options.concurrency) {
      const head = state.queue.peek();
      if (head === undefined) return;
      const now = clock.now();
      const result = store.take({ bucket, cost: head.request.cost, now, defaults });
      if (!this.#use(bucket, state, result)) return;
    }
  }

  /** Use the store's answer to the head's take (awaited when async); true when the pump may go on. */
  #use(bucket: string, state: BucketState, result: Taken): boolean {
    if (!(result instanceof Promise)) return this.#apply(bucket, state, result);
    state.taking = true;
    result.then(
      (decision) => {
        state.taking = false;
        if (this.#apply(bucket, state, decision)) this.#pump(bucket);
      },
      (error: unknown) => {
        state.taking = false;
        const waiter = state.queue.shift();
        if (waiter) this.#settle(waiter, undefined, error);
        this.#pump(bucket);
      },
    );
    return false;
  }

  /** Use a store's decision; true when the pump may go on. */
  #apply(bucket: string, state: BucketState, decision: TakeDecision): boolean {
    if (decision.ok) {
      const waiter = state.queue.shift();
      const grant: Grant = { bucket, send: decision.send, grantedAt: this.#options.clock.now() };
      this.#inFlight++;
      if (waiter === undefined) {
        // The waiter left while an async take ran: the token is spent but unused; report it as an
        // attempt without response so the bucket does not count it as in flight forever.
        void this.#options.store.report(grant, { now: this.#options.clock.now() });
        this.release();
        return true;
      }
      this.#settle(waiter, grant, undefined);
      return true;
    }
    if (decision.reason === 'too-large') {
      // Waiting can never help the head: reject it and let the next one ask. (After an async take
      // the asked waiter may have left: only a head that is itself too large is rejected.)
      const { unit = 'requests', limit = 0 } = decision;
      const head = state.queue.peek();
      const cost = head?.request.cost[unit] ?? 0;
      if (head !== undefined && cost > limit) {
        state.queue.shift();
        this.#settle(head, undefined, new CostExceedsLimitError({ bucket, unit, cost, limit }));
        return true;
      }
    }
    this.#options.onWait?.(bucket, decision);
    const now = this.#options.clock.now();
    const at = decision.retryAt ?? now + (this.#options.recheckMs ?? 1000);
    if (state.timer !== undefined && state.timerAt <= at) return false;
    if (state.timer !== undefined) this.#options.clock.clearTimeout(state.timer);
    state.timerAt = at;
    state.timer = this.#options.clock.setTimeout(() => {
      state.timer = undefined;
      this.#pump(bucket);
    }, Math.max(0, at - now));
    return false;
  }

  #dropWaiter(waiter: Waiter, reason: unknown): void {
    if (waiter.settled) return;
    this.#buckets.get(waiter.request.bucket)?.queue.forget();
    this.#settle(waiter, undefined, reason);
    // The head may have changed: let the next waiter try, once for a burst of aborts.
    const state = this.#buckets.get(waiter.request.bucket);
    if (state === undefined || state.pumpQueued) return;
    state.pumpQueued = true;
    queueMicrotask(() => {
      state.pumpQueued = false;
      this.#pump(waiter.request.bucket);
    });
  }

  #settle(waiter: Waiter, grant: Grant | undefined, error: unknown): void {
    if (waiter.settled) return;
    waiter.settled = true;
    this.#queued--;
    // An aborted signal already dropped its once-listener; removing it again would cost O(listeners).
    const { signal } = waiter.request;
    if (waiter.onAbort && signal && !signal.aborted) signal.removeEventListener('abort', waiter.onAbort);
    waiter.onAbort = undefined;
    if (grant) waiter.resolve(grant);
    else waiter.reject(error);
    this.#checkIdle();
  }

  #armDeadlineTimer(): void {
    let head = this.#byDeadline.peek();
    while (head !== undefined && head.settled) {
      this.#byDeadline.shift();
      head = this.#byDeadline.peek();
    }
    if (head === undefined) {
      this.#deadlineTimer = undefined;
      return;
    }
    const { clock } = this.#options;
    this.#deadlineTimer = clock.setTimeout(() => {
      const now = clock.now();
      let next = this.#byDeadline.peek();
      while (next !== undefined && (next.settled || next.deadline <= now)) {
        this.#byDeadline.shift();
        if (!next.settled) this.#dropWaiter(next, new QuotaTimeoutError(next.request.bucket, this.#options.maxWaitMs));
        next = this.#byDeadline.peek();
      }
      this.#armDeadlineTimer();
    }, Math.max(0, head.deadline - clock.now()));
  }

  #checkIdle(): void {
    if (this.#queued !== 0 || this.#inFlight !== 0 || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
