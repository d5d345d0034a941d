import { vi } from 'vitest';

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
