/** An opaque timer handle (a number in browsers, an object in Node). */
export type TimerHandle = unknown;

/**
 * The time source and timers everything above the pure model uses.
 * Injected so tests run under fake timers and stores can share one clock.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Milliseconds on a clock that never jumps (only differences count), used to carry time on
   * across a wall clock that jumped backwards (see {@link steadyClock}).
   * @default () => performance.now()
   */
  monotonic?(): number;
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The monotonic source when a clock names none. */
function performanceNow(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/**
 * The default clock. Each method looks the global up at call time (arrow-wrapped), so vitest's
 * fake timers and msw's patches installed after import still take effect.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: performanceNow,
  setTimeout: (callback, ms) => {
    const handle = globalThis.setTimeout(callback, ms);
    // A pending quota wait must not keep a Node process alive on its own.
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** A wall clock falling back by more than this is a jump (NTP step, manual change), not jitter. */
const backwardJumpMs = 1000;

/**
 * `clock` whose `now()` never runs backwards. The buckets' pauses, resets and the waiters'
 * `maxWaitMs` deadlines are epoch times taken from `now()`: a wall clock stepped an hour back
 * would put them all an hour ahead and stall every waiter. On such a jump this clock goes on from
 * the last time it returned at the pace of `clock.monotonic()` (an offset to the wall clock); when
 * the wall clock steps forward again it gives the offset back. Jitter under {@link backwardJumpMs}
 * is held at the last time returned. A wall clock that only goes forward (vitest fake `Date`,
 * whether or not `performance` is faked) passes through unchanged.
 */
export function steadyClock(clock: Clock): Clock {
  const monotonic = clock.monotonic === undefined ? performanceNow : () => clock.monotonic!();
  let last: number | undefined;
  let lastMonotonic = 0;
  /** Added to the wall clock since it jumped back. */
  let offset = 0;
  return {
    now: () => {
      const wall = clock.now();
      const mono = monotonic();
      if (last === undefined) {
        last = wall;
        lastMonotonic = mono;
        return wall;
      }
      const expected = last + Math.max(0, mono - lastMonotonic);
      let time = wall + offset;
      if (time < last - backwardJumpMs) {
        offset += expected - time;
        time = expected;
      } else if (offset > 0 && time > expected + backwardJumpMs) {
        // The wall clock stepped forward again: give back as much of the offset as it gained.
        offset = Math.max(0, offset - (time - expected));
        time = wall + offset;
      }
      if (time < last) time = last;
      last = time;
      lastMonotonic = mono;
      return time;
    },
    monotonic,
    setTimeout: (callback, ms) => clock.setTimeout(callback, ms),
    clearTimeout: (handle) => clock.clearTimeout(handle),
  };
}
