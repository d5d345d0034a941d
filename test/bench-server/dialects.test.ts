import { describe, expect, it } from 'vitest';
import { emitHeaders, retryAfterSeconds } from '../../bench/server/dialects.ts';
import { formatGoDuration } from '../../bench/server/go-duration.ts';
import type { Decision } from '../../bench/server/limiters.ts';

const NOW = 1_700_000_000_250; // 2023-11-14T22:13:20.250Z
const DATE = 'Tue, 14 Nov 2023 22:13:20 GMT';
const ok: Decision = { allowed: true, limit: 100, remaining: 42, resetAt: NOW + 750, fullAt: NOW + 1200 };
const limited: Decision = { allowed: false, limit: 100, remaining: 0, resetAt: NOW + 750, fullAt: NOW + 1200, retryAfterMs: 750 };
const emit = (dialect: Parameters<typeof emitHeaders>[0], decision: Decision) =>
  emitHeaders(dialect, decision, NOW, { windowMs: 1000 });

describe('emitHeaders', () => {
  it('x-ratelimit-epoch: reset in epoch seconds, rounded up', () => {
    expect(emit('x-ratelimit-epoch', ok)).toEqual([
      ['Date', DATE],
      ['X-RateLimit-Limit', '100'],
      ['X-RateLimit-Remaining', '42'],
      ['X-RateLimit-Reset', '1700000001'],
    ]);
  });

  it('x-ratelimit-delta: reset in delta seconds, rounded up', () => {
    expect(emit('x-ratelimit-delta', ok)).toContainEqual(['X-RateLimit-Reset', '1']);
  });

  it('github: limit, remaining, used, epoch reset, resource', () => {
    expect(emit('github', ok)).toEqual([
      ['Date', DATE],
      ['x-ratelimit-limit', '100'],
      ['x-ratelimit-remaining', '42'],
      ['x-ratelimit-used', '58'],
      ['x-ratelimit-reset', '1700000001'],
      ['x-ratelimit-resource', 'core'],
    ]);
  });

  it('openai: Go duration until the quota is full again', () => {
    expect(emit('openai', ok)).toEqual([
      ['Date', DATE],
      ['x-ratelimit-limit-requests', '100'],
      ['x-ratelimit-remaining-requests', '42'],
      ['x-ratelimit-reset-requests', '1.2s'],
    ]);
  });

  it('ietf (draft-08+): named policy and service limit items', () => {
    expect(emit('ietf', ok)).toEqual([
      ['Date', DATE],
      ['RateLimit-Policy', '"default";q=100;w=1'],
      ['RateLimit', '"default";r=42;t=1'],
    ]);
    expect(emitHeaders('ietf', ok, NOW, { windowMs: 500 })).toContainEqual(['RateLimit-Policy', '"default";q=100']);
  });

  it('ietf-06: RateLimit-Limit / -Remaining / -Reset delta seconds', () => {
    expect(emit('ietf-06', ok)).toEqual([
      ['Date', DATE],
      ['RateLimit-Limit', '100'],
      ['RateLimit-Remaining', '42'],
      ['RateLimit-Reset', '1'],
    ]);
  });

  it('none: only Date, and Retry-After on a 429', () => {
    expect(emit('none', ok)).toEqual([['Date', DATE]]);
    expect(emit('none', limited)).toEqual([
      ['Date', DATE],
      ['Retry-After', '1'],
    ]);
  });

  it('every dialect adds Retry-After to a 429', () => {
    for (const dialect of ['x-ratelimit-epoch', 'x-ratelimit-delta', 'github', 'openai', 'ietf', 'ietf-06'] as const) {
      expect(emit(dialect, limited)).toContainEqual(['Retry-After', '1']);
      expect(emit(dialect, ok).some(([name]) => name === 'Retry-After')).toBe(false);
    }
    expect(emit('x-ratelimit-epoch', { ...limited, retryAfterMs: 2001 })).toContainEqual(['Retry-After', '3']);
  });
});

describe('retryAfterSeconds', () => {
  it('is an integer >= 1, rounded up', () => {
    expect(retryAfterSeconds(0)).toBe(1);
    expect(retryAfterSeconds(1)).toBe(1);
    expect(retryAfterSeconds(1000)).toBe(1);
    expect(retryAfterSeconds(1001)).toBe(2);
  });
});

describe('formatGoDuration', () => {
  it('matches time.Duration.String() at ms precision', () => {
    expect(formatGoDuration(0)).toBe('0s');
    expect(formatGoDuration(12)).toBe('12ms');
    expect(formatGoDuration(11.2)).toBe('12ms');
    expect(formatGoDuration(1000)).toBe('1s');
    expect(formatGoDuration(7660)).toBe('7.66s');
    expect(formatGoDuration(179_560)).toBe('2m59.56s');
    expect(formatGoDuration(360_000)).toBe('6m0s');
    expect(formatGoDuration(3_600_000)).toBe('1h0m0s');
    expect(formatGoDuration(3_723_004)).toBe('1h2m3.004s');
  });
});
