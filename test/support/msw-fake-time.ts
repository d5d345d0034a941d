import { setupServer, type SetupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';

/** The fake "now" every test of a suite starts at. */
export const FAKE_NOW = Date.parse('2026-11-23T12:00:00.000Z');

/**
 * An msw server for a test file, with vitest fake timers (`Date`, `setTimeout`) around every test:
 * listening for the file, handlers reset and real timers back after each test.
 */
export function useMswWithFakeTime(): SetupServer {
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledFrame: 'error' }));
  beforeEach(() => {
    vi.useFakeTimers({ now: FAKE_NOW, toFake: ['Date', 'setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    server.resetHandlers();
    vi.useRealTimers();
  });
  afterAll(() => server.close());
  return server;
}

/** Advance fake time in steps until `promise` settles; resolves with its value or its error. */
export async function settle<T>(promise: Promise<T>, stepMs = 10, limitMs = 600_000): Promise<T | unknown> {
  let done = false;
  const result = promise.then(
    (value) => value,
    (error: unknown) => error,
  );
  void result.finally(() => {
    done = true;
  });
  for (let elapsed = 0; !done && elapsed < limitMs; elapsed += stepMs) await vi.advanceTimersByTimeAsync(stepMs);
  return result;
}
