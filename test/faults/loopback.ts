/**
 * A loopback node:http server (127.0.0.1) whose every request goes through `behave`, which may
 * answer, reset the connection, or hang. Hung responses end when the server closes, so nothing
 * outlives a test.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour = (n: number, request: IncomingMessage, response: ServerResponse) => void;

export interface Loopback {
  readonly url: string;
  /** Requests that reached the server. */
  readonly count: () => number;
  close(): Promise<void>;
}

export async function startLoopback(behave: Behaviour): Promise<Loopback> {
  let n = 0;
  const server = createServer((request, response) => {
    request.resume();
    behave(++n, request, response);
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    count: () => n,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answer JSON with headers. */
export function reply(response: ServerResponse, status: number, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ status });
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), ...headers });
  response.end(body);
}

/** Every promise's outcome: 'ok' or the error's name. */
export async function outcomes(promises: readonly Promise<unknown>[]): Promise<string[]> {
  const settled = await Promise.allSettled(promises);
  return settled.map((result) => (result.status === 'fulfilled' ? 'ok' : ((result.reason as Error | undefined)?.name ?? 'unknown')));
}
