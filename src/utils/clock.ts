/** An opaque timer handle (a number in browsers, an object in Node). */
export type TimerHandle = unknown;

/**
 * The time source and timers everything above the pure model uses.
 * Injected so tests run under fake timers and stores can share one clock.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/**
 * The default clock. Each method looks the global up at call time (arrow-wrapped), so vitest's
 * fake timers and msw's patches installed after import still take effect.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const handle = globalThis.setTimeout(callback, ms);
    // A pending quota wait must not keep a Node process alive on its own.
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};
