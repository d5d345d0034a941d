/**
 * The limiter of the LLM mock servers (bench/llm-server.ts and the SDK tests): one token bucket
 * per unit, each holding `limit` and refilling `limit` per window continuously, as OpenAI's and
 * Anthropic's limiters do. A request goes only when every unit it costs is there; otherwise it
 * is refused with the wait until it would fit. Pure: the clock is the `now` argument.
 */

/** One unit's state as the headers report it. */
export interface UnitState {
  readonly limit: number;
  /** Whole units left now. */
  readonly remaining: number;
  /** Until the bucket is full again, ms ("resets to its initial state"). */
  readonly resetMs: number;
}

export type Admission = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export class LlmLimiter {
  readonly #limits: Readonly<Record<string, number>>;
  readonly #windowMs: number;
  readonly #levels = new Map<string, number>();
  #at: number;

  constructor(limits: Readonly<Record<string, number>>, windowMs: number, now: number) {
    this.#limits = limits;
    this.#windowMs = windowMs;
    this.#at = now;
    for (const [unit, limit] of Object.entries(limits)) this.#levels.set(unit, limit);
  }

  /** Refill every bucket up to `now`. */
  #advance(now: number): void {
    const elapsed = Math.max(0, now - this.#at);
    this.#at = Math.max(this.#at, now);
    for (const [unit, limit] of Object.entries(this.#limits)) {
      const level = this.#levels.get(unit) ?? limit;
      this.#levels.set(unit, Math.min(limit, level + (elapsed * limit) / this.#windowMs));
    }
  }

  /** Spend `cost` now, or say how long until it would fit. */
  take(cost: Readonly<Record<string, number>>, now: number): Admission {
    this.#advance(now);
    let waitMs = 0;
    for (const [unit, limit] of Object.entries(this.#limits)) {
      const need = cost[unit] ?? 0;
      const level = this.#levels.get(unit) ?? limit;
      if (need > level) waitMs = Math.max(waitMs, ((need - level) * this.#windowMs) / limit);
    }
    if (waitMs > 0) {
      if (process.env['LLM_TRACE'] !== undefined) {
        const levels = Object.fromEntries([...this.#levels].map(([unit, level]) => [unit, Math.round(level * 10) / 10]));
        console.error(`429 at ${Math.round(now)} ms: cost ${JSON.stringify(cost)}, levels ${JSON.stringify(levels)}, short ${Math.ceil(waitMs)} ms`);
      }
      return { ok: false, retryAfterMs: Math.ceil(waitMs) };
    }
    for (const [unit, limit] of Object.entries(this.#limits)) {
      this.#levels.set(unit, (this.#levels.get(unit) ?? limit) - (cost[unit] ?? 0));
    }
    return { ok: true };
  }

  /** What the headers say about `unit` now. */
  state(unit: string, now: number): UnitState {
    this.#advance(now);
    const limit = this.#limits[unit] ?? 0;
    const level = this.#levels.get(unit) ?? limit;
    return { limit, remaining: Math.max(0, Math.floor(level)), resetMs: Math.ceil(((limit - level) * this.#windowMs) / limit) };
  }
}

/** A Go `time.Duration` string as OpenAI sends it: `12ms`, `1.5s`, `6m0s`, `1h2m3.25s`. */
export function goDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms));
  if (total < 1000) return `${total}ms`;
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = ((total % 60_000) / 1000).toFixed(3).replace(/\.?0+$/, '');
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}

/** The prompt estimate both mock servers count: characters of message text / 4, rounded up. */
export function promptTokens(texts: readonly string[]): number {
  let chars = 0;
  for (const text of texts) chars += text.length;
  return Math.ceil(chars / 4);
}

/** OpenAI's rate-limit headers for a `{ requests, tokens }` limiter. */
export function openaiHeaders(limiter: LlmLimiter, now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const unit of ['requests', 'tokens']) {
    const { limit, remaining, resetMs } = limiter.state(unit, now);
    headers[`x-ratelimit-limit-${unit}`] = String(limit);
    headers[`x-ratelimit-remaining-${unit}`] = String(remaining);
    headers[`x-ratelimit-reset-${unit}`] = goDuration(resetMs);
  }
  return headers;
}

/**
 * Anthropic's rate-limit headers for a `{ requests, tokens, input-tokens, output-tokens }`
 * limiter: RFC 3339 resets (whole seconds, rounded up: "fully replenished" no earlier).
 */
export function anthropicHeaders(limiter: LlmLimiter, now: number, units: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const unit of units) {
    const { limit, remaining, resetMs } = limiter.state(unit, now);
    headers[`anthropic-ratelimit-${unit}-limit`] = String(limit);
    headers[`anthropic-ratelimit-${unit}-remaining`] = String(remaining);
    headers[`anthropic-ratelimit-${unit}-reset`] = new Date(Math.ceil((now + resetMs) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
  }
  return headers;
}
