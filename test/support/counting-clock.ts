import { systemClock, type Clock, type TimerHandle } from '../../src/utils/clock.ts';

/** The system clock (fake timers apply) that also counts the timers it has pending. */
export function countingClock(): Clock & { readonly pending: number } {
  const live = new Set<TimerHandle>();
  return {
    now: () => systemClock.now(),
    setTimeout(callback, ms) {
      const handle: TimerHandle = systemClock.setTimeout(() => {
        live.delete(handle);
        callback();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      systemClock.clearTimeout(handle);
    },
    get pending() {
      return live.size;
    },
  };
}
