import type { ClientContext, ClientResult } from './types.ts';

export const emptyResult = (): ClientResult => ({ ok: 0, rejected429: 0, errors: 0, aborted: 0 });

export const targetUrl = (context: ClientContext): string => new URL('x', context.url).href;

/** One plain GET with the run's signal; the body is read so the socket is reused. */
export async function sendOne(context: ClientContext, result: ClientResult): Promise<void> {
  if (context.signal.aborted) {
    result.aborted += 1;
    return;
  }
  try {
    const response = await context.fetch(targetUrl(context), { signal: context.signal });
    await response.arrayBuffer();
    if (response.ok) result.ok += 1;
    else if (response.status === 429) result.rejected429 += 1;
    else result.errors += 1;
  } catch (error) {
    countFailure(context, result, error);
  }
}

/** Counts a rejected promise: the run's abort (or a library's cancel after it) is not an error. */
export function countFailure(context: ClientContext, result: ClientResult, _error: unknown): void {
  if (context.signal.aborted) result.aborted += 1;
  else result.errors += 1;
}

/** Resolves after `ms`, or at once when the signal aborts. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Resolves when the signal aborts (for racing a library that cannot be told to stop). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
