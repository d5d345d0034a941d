import type { ParsedRateLimit } from '../../../src/headers/types.ts';
import type { ServerVerdict } from './servers.ts';

/** How the simulated server reports its verdict: what the header parser would produce. */
export type Dialect = 'xrl-epoch' | 'xrl-delta' | 'ietf' | 'openai' | 'none';

/**
 * Builds the ParsedRateLimit the parser would return for a response. Server and client clocks
 * agree in the simulation; `arrivalAt` is the server's instant, `receivedAt` the client's.
 */
export function report(dialect: Dialect, verdict: ServerVerdict, windowMs: number, arrivalAt: number, receivedAt: number): ParsedRateLimit {
  const retryAt = verdict.accepted ? undefined : receivedAt + Math.max(1, Math.ceil((verdict.nextFreeAt - arrivalAt) / 1000)) * 1000;
  const withRetry = (parsed: ParsedRateLimit): ParsedRateLimit => (retryAt === undefined ? parsed : { ...parsed, retryAt });
  const { limit, remaining } = verdict;
  switch (dialect) {
    case 'xrl-epoch': {
      // The client converts epoch resets with the clock skew it learned from many `Date` headers
      // (here the clocks agree, so the skew is 0): the reset is the server's epoch second, rounded
      // up. (Its first ~16 responses use each response's own `Date`, whole seconds rounded down,
      // with the precision widened to 2 s; at these rates that is the first fraction of a second,
      // which the simulation leaves out.)
      const resetAt = Math.max(receivedAt, Math.ceil(verdict.resetAt / 1000) * 1000);
      return withRetry({
        policies: [{ limit, remaining, resetAt, resetPrecisionMs: 1000, semantics: 'window', dialect: 'x-ratelimit' }],
      });
    }
    case 'xrl-delta':
      return withRetry({
        policies: [
          {
            limit,
            remaining,
            resetAt: receivedAt + Math.ceil((verdict.resetAt - arrivalAt) / 1000) * 1000,
            resetPrecisionMs: 1000,
            semantics: 'window',
            dialect: 'x-ratelimit',
          },
        ],
      });
    case 'ietf':
      return withRetry({
        policies: [
          {
            name: 'default',
            limit,
            remaining,
            windowMs,
            resetAt: receivedAt + Math.ceil((verdict.resetAt - arrivalAt) / 1000) * 1000,
            resetPrecisionMs: 1000,
            semantics: 'window',
            dialect: 'ietf-08',
          },
        ],
      });
    case 'openai': {
      const fullInMs = Math.max(0, Math.ceil(verdict.fullAt - arrivalAt));
      return withRetry({
        policies: [
          {
            unit: 'requests',
            limit,
            remaining,
            resetAt: receivedAt + fullInMs,
            resetPrecisionMs: goDurationPrecision(fullInMs),
            semantics: 'refill',
            dialect: 'openai',
          },
        ],
      });
    }
    case 'none':
      return withRetry({ policies: [] });
  }
}

/** The precision a Go duration of `ms` whole milliseconds is written with (`1s`, `1.05s`, `987ms`): trailing zeros are dropped. */
function goDurationPrecision(ms: number): number {
  if (ms < 1000) return 1;
  const millis = ms % 1000;
  if (millis === 0) return 1000;
  return millis % 100 === 0 ? 100 : millis % 10 === 0 ? 10 : 1;
}
