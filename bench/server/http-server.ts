/**
 * The loopback reference server: node:http on 127.0.0.1, one rate-limited endpoint on every path,
 * 20-30 ms of latency (split around the admission, as a real network would), JSON `{ ok, n }`.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEndpoint } from './endpoint.ts';
import type { EndpointOptions, EndpointStats, LimitChange } from './endpoint.ts';
import type { Algorithm } from './limiters.ts';
import type { Dialect } from './dialects.ts';

export interface ReferenceServerOptions {
  algorithm: Algorithm;
  limit: number;
  windowMs: number;
  dialect: Dialect;
  /** Uniform latency range per request, ms. @default [20, 30] */
  latency?: readonly [min: number, max: number];
  /**
   * Which share of the latency passes before the request is admitted (the rest passes before the
   * response is written): 0 = admitted on arrival, 1 = admitted just before responding. @default 0.5
   */
  admitAt?: number;
  /** Limit changes relative to start (or to the last `restart()`). */
  schedule?: readonly LimitChange[];
  /** @default 5000 */
  keepAliveTimeout?: number;
  now?: () => number;
  random?: () => number;
}

export interface ReferenceServer {
  url: string;
  stats(): EndpointStats;
  setLimit(limit: number): void;
  /** Fresh limiter, counters and schedule clock, starting now. */
  restart(): void;
  /** Requests received and not yet answered (in flight at the server). */
  openRequests(): number;
  close(): Promise<void>;
}

export async function startReferenceServer(options: ReferenceServerOptions): Promise<ReferenceServer> {
  const [minLatency, maxLatency] = options.latency ?? [20, 30];
  const admitAt = Math.min(1, Math.max(0, options.admitAt ?? 0.5));
  const random = options.random ?? Math.random;
  const endpointOptions: EndpointOptions = {
    algorithm: options.algorithm,
    limit: options.limit,
    windowMs: options.windowMs,
    dialect: options.dialect,
  };
  if (options.schedule !== undefined) endpointOptions.schedule = options.schedule;
  if (options.now !== undefined) endpointOptions.now = options.now;
  const endpoint = createEndpoint(endpointOptions);
  const timers = new Set<NodeJS.Timeout>();
  let closing = false;

  const later = (ms: number, callback: () => void): void => {
    if (ms <= 0) {
      callback();
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      callback();
    }, ms);
    timers.add(timer);
  };

  let open = 0;
  const handler = (request: IncomingMessage, response: ServerResponse): void => {
    let gone = false;
    open++;
    response.on('close', () => {
      gone = true;
      open--;
    });
    request.resume();
    const latency = minLatency + random() * (maxLatency - minLatency);
    const before = latency * admitAt;
    later(before, () => {
      if (gone || closing) return;
      const reply = endpoint.handle();
      later(latency - before, () => {
        if (gone || closing) return;
        const body = JSON.stringify(reply.body);
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
        };
        for (const [name, value] of reply.headers) headers[name] = value;
        response.writeHead(reply.status, headers);
        response.end(body);
      });
    });
  };

  const server = createServer({ keepAliveTimeout: options.keepAliveTimeout ?? 5000 }, handler);
  // Node's default of 5 s per request header is plenty; no request should ever hang the bench.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    stats: () => endpoint.stats,
    setLimit: (limit) => endpoint.setLimit(limit),
    restart: () => endpoint.restart(),
    openRequests: () => open,
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
