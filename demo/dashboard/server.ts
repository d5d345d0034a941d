import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { createEndpoint } from '../../bench/server/endpoint.ts';
import { dialectNames, isDialect } from '../../bench/server/dialects.ts';

/** Options of {@link startDashboardServer}. */
export interface DashboardServerOptions {
  readonly limit: number;
  readonly html: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly dialect?: string;
}

/** The running dashboard: page, bundle, API and stats on one origin. */
export interface DashboardServer {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Bundles demo/dashboard/page.ts with esbuild and serves it with the bench's rate-limited endpoint
 * (sliding window, 20-30 ms latency) at `/api/*` and its counters at `/stats`, on 127.0.0.1.
 */
export async function startDashboardServer(options: DashboardServerOptions): Promise<DashboardServer> {
  const dialect = options.dialect ?? 'x-ratelimit-epoch';
  if (!isDialect(dialect)) throw new TypeError(`--dialect must be one of ${dialectNames.join(', ')}`);
  const built = await build({
    entryPoints: [fileURLToPath(new URL('./page.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    define: { 'process.env': '{}' },
  });
  const script = built.outputFiles[0]?.text ?? '';
  const endpoint = createEndpoint({ algorithm: 'sliding', limit: options.limit, windowMs: 1000, dialect });
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, callback: () => void): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      callback();
    }, ms);
    timers.add(timer);
  };
  const server = createServer((request, response) => {
    request.resume();
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path.startsWith('/api/')) {
      const latency = 20 + Math.random() * 10;
      later(latency / 2, () => {
        const reply = endpoint.handle();
        later(latency / 2, () => {
          if (response.destroyed) return;
          const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
          for (const [name, value] of reply.headers) headers[name] = value;
          response.writeHead(reply.status, headers).end(JSON.stringify(reply.body));
        });
      });
      return;
    }
    const send = (type: string, body: string): void => {
      response.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (path === '/') send('text/html; charset=utf-8', options.html);
    else if (path === '/dashboard.js') send('text/javascript', script);
    else if (path === '/stats') send('application/json', JSON.stringify({ limit: options.limit, accepted: endpoint.stats.accepted, rejected: endpoint.stats.rejected }));
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
