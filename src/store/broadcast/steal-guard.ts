import type { Clock } from '../../utils/clock.ts';

/** Options of a {@link StealGuard}. */
export interface StealGuardOptions {
  readonly clock: Clock;
  /** Silence (an unanswered request) that makes a visible tab consider stealing, ms. */
  readonly stealAfterMs: number;
  readonly isVisible: () => boolean;
  /** 0 <= x < 1; spreads the tabs' thresholds so one steals first and the rest see its `lead`. */
  readonly random: () => number;
}

/** Hidden tabs wait this many times longer: a visible tab should be the one to take over. */
const HIDDEN_FACTOR = 10;
/** The first cool-down after a steal, in units of `stealAfterMs`; doubles with every further steal. */
const COOLDOWN_FACTOR = 4;
/** The jitter added to the threshold, as a share of `stealAfterMs`. */
const JITTER = 0.5;

/**
 * When a silent leader may be replaced: after `stealAfterMs` plus a random 0-50 % of silence
 * (ten times that when hidden), never twice within a cool-down that doubles with each steal, so
 * a tab with a broken channel cannot take the lock over and over (the dxos steal storm).
 */
export class StealGuard {
  readonly #options: StealGuardOptions;
  #threshold: number;
  #cooldownMs: number;
  #lastStealAt = -Infinity;

  constructor(options: StealGuardOptions) {
    this.#options = options;
    this.#threshold = this.#draw();
    this.#cooldownMs = COOLDOWN_FACTOR * options.stealAfterMs;
  }

  /** True when `silentForMs` of silence justifies a steal now. */
  due(silentForMs: number): boolean {
    const now = this.#options.clock.now();
    if (now - this.#lastStealAt < this.#cooldownMs) return false;
    const factor = this.#options.isVisible() ? 1 : HIDDEN_FACTOR;
    return silentForMs >= this.#threshold * factor;
  }

  /** Silence still needed before `due()` can be true, ms (0 when due now; ignores the cool-down). */
  remaining(silentForMs: number): number {
    const factor = this.#options.isVisible() ? 1 : HIDDEN_FACTOR;
    return Math.max(0, this.#threshold * factor - silentForMs);
  }

  /** A steal went out: start (or lengthen) the cool-down and draw a new threshold. */
  stole(): void {
    const now = this.#options.clock.now();
    // Steals far apart are separate incidents; only a quick succession lengthens the cool-down.
    if (now - this.#lastStealAt > 4 * this.#cooldownMs) this.#cooldownMs = COOLDOWN_FACTOR * this.#options.stealAfterMs;
    else this.#cooldownMs *= 2;
    this.#lastStealAt = now;
    this.#threshold = this.#draw();
  }

  #draw(): number {
    return this.#options.stealAfterMs * (1 + JITTER * this.#options.random());
  }
}
