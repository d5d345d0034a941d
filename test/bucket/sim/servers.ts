/** The server kinds the simulation runs against. */
export type ServerKind = 'fixed' | 'sliding' | 'bucket';

/** What the simulated limiter decided for one arriving request, in server time. */
export interface ServerVerdict {
  readonly accepted: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** When quota comes back, server time: the window's end (fixed), the oldest entry's expiry (sliding), full (bucket). */
  readonly resetAt: number;
  /** When everything held is back ("full again", refill semantics), server time. */
  readonly fullAt: number;
  /** When at least one unit is available again, server time (for Retry-After). */
  readonly nextFreeAt: number;
}

/** A rate limiter; `limitAt` lets the limit change mid-run. */
export interface SimServer {
  handle(arrivalAt: number): ServerVerdict;
}

export interface ServerOptions {
  readonly kind: ServerKind;
  readonly windowMs: number;
  /** The limit in force at a given server time. */
  readonly limitAt: (time: number) => number;
  /** Where fixed windows start, ms (a random phase per run). */
  readonly phase: number;
}

export function createServer(options: ServerOptions): SimServer {
  const { windowMs, limitAt, phase } = options;
  switch (options.kind) {
    case 'fixed': {
      let windowIndex = -Infinity;
      let count = 0;
      return {
        handle(at) {
          const limit = limitAt(at);
          const index = Math.floor((at - phase) / windowMs);
          if (index !== windowIndex) {
            windowIndex = index;
            count = 0;
          }
          const end = phase + (index + 1) * windowMs;
          const accepted = count < limit;
          if (accepted) count++;
          return { accepted, limit, remaining: Math.max(0, limit - count), resetAt: end, fullAt: count === 0 ? at : end, nextFreeAt: count < limit ? at : end };
        },
      };
    }
    case 'sliding': {
      const log: number[] = [];
      let head = 0;
      return {
        handle(at) {
          const limit = limitAt(at);
          while (head < log.length && (log[head] ?? Infinity) <= at - windowMs) head++;
          const size = () => log.length - head;
          const accepted = size() < limit;
          if (accepted) log.push(at);
          const oldest = log[head] ?? at;
          // With more entries than the limit (after a drop), room appears when size falls below it.
          const freeIndex = head + Math.max(0, size() - limit);
          const nextFreeAt = size() < limit ? at : (log[freeIndex] ?? at) + windowMs;
          const fullAt = size() === 0 ? at : (log.at(-1) ?? at) + windowMs;
          return { accepted, limit, remaining: Math.max(0, limit - size()), resetAt: oldest + windowMs, fullAt, nextFreeAt };
        },
      };
    }
    case 'bucket': {
      let capacity = limitAt(0);
      let tokens = capacity;
      let last = -Infinity;
      return {
        handle(at) {
          const limit = limitAt(at);
          const rate = limit / windowMs;
          if (limit !== capacity) {
            capacity = limit;
            tokens = Math.min(tokens, capacity);
          }
          if (Number.isFinite(last)) tokens = Math.min(capacity, tokens + (at - last) * rate);
          last = at;
          const accepted = tokens >= 1;
          if (accepted) tokens -= 1;
          const remaining = Math.floor(tokens);
          return {
            accepted,
            limit,
            remaining,
            resetAt: at + (capacity - tokens) / rate,
            fullAt: at + (capacity - tokens) / rate,
            nextFreeAt: tokens >= 1 ? at : at + (1 - tokens) / rate,
          };
        },
      };
    }
  }
}
