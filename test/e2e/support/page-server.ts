import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEndpoint, type Endpoint } from '../../../bench/server/endpoint.ts';
import type { Algorithm } from '../../../bench/server/limiters.ts';
import type { Dialect } from '../../../bench/server/dialects.ts';

/** Options of {@link startPageServer}. */
export interface PageServerOptions {
  /** Static files by path: `{ '/': html, '/tab.js': script }`. */
  readonly files: Readonly<Record<string, { readonly type: string; readonly body: string; readonly cacheControl?: string }>>;
  readonly limit: number;
  readonly windowMs: number;
  readonly algorithm?: Algorithm;
  readonly dialect?: Dialect;
  /** @default [20, 30] */
  readonly latency?: readonly [number, number];
}

/** One API request as the server saw it, epoch ms. */
export interface ApiRequestRecord {
  readonly url: string;
  readonly arrivedAt: number;
  readonly admittedAt: number;
  readonly status: number;
}

/** The page and the rate-limited API on one loopback origin (no CORS involved). */
export interface PageServer {
  readonly url: string;
  /** The API's endpoint (stats; `restart()` between scenarios). */
  endpoint: Endpoint;
  /** Replace the endpoint with a fresh one (limiter and counters); clears `requests`. */
  reset(): void;
  /** Every API request since the last reset: its path and query, when it arrived, when the limiter saw it, its status. */
  readonly requests: readonly ApiRequestRecord[];
  close(): Promise<void>;
}

/**
 * node:http on 127.0.0.1: static files, plus `/api/*` answered by the bench's `createEndpoint`
 * (the same limiter and headers as the reference server) after 20-30 ms of latency, split around
 * the admission as a network would.
 */
export async function startPageServer(options: PageServerOptions): Promise<PageServer> {
  const make = (): Endpoint =>
    createEndpoint({ algorithm: options.algorithm ?? 'sliding', limit: options.limit, windowMs: options.windowMs, dialect: options.dialect ?? 'x-ratelimit-epoch' });
  const [minLatency, maxLatency] = options.latency ?? [20, 30];
  const state = { endpoint: make(), requests: [] as ApiRequestRecord[] };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, callback: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      callback();
    }, ms);
    timers.add(timer);
  };
  const api = (response: ServerResponse, url: string): void => {
    const latency = minLatency + Math.random() * (maxLatency - minLatency);
    const arrivedAt = Date.now();
    later(latency / 2, () => {
      const reply = state.endpoint.handle();
      state.requests.push({ url, arrivedAt, admittedAt: Date.now(), status: reply.status });
      later(latency / 2, () => {
        if (response.destroyed) return;
        const body = JSON.stringify(reply.body);
        const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
        for (const [name, value] of reply.headers) headers[name] = value;
        response.writeHead(reply.status, headers);
        response.end(body);
      });
    });
  };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path.startsWith('/api/')) {
      api(response, request.url ?? '');
      return;
    }
    const file = options.files[path];
    if (file === undefined) {
      response.writeHead(404).end();
      return;
    }
    // `no-store` by default; a page that must stay bfcache-eligible needs another value.
    response.writeHead(200, { 'content-type': file.type, 'cache-control': file.cacheControl ?? 'no-store' });
    response.end(file.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get endpoint() {
      return state.endpoint;
    },
    set endpoint(value) {
      state.endpoint = value;
    },
    get requests() {
      return state.requests;
    },
    reset: () => {
      state.endpoint = make();
      state.requests = [];
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

export { maxInWindow } from '../../support/max-in-window.ts';
