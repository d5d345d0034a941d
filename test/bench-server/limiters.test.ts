import { describe, expect, it } from 'vitest';
import { FixedWindow, SlidingLog, TokenBucket, createLimiter } from '../../bench/server/limiters.ts';

const T0 = 1_700_000_000_000; // a whole second

describe('FixedWindow', () => {
  it('admits `limit` per window aligned to the epoch and resets at the window end', () => {
    const limiter = new FixedWindow({ limit: 3, windowMs: 1000 });
    const first = limiter.admit(T0 + 200);
    expect(first).toEqual({ allowed: true, limit: 3, remaining: 2, resetAt: T0 + 1000, fullAt: T0 + 1000 });
    expect(limiter.admit(T0 + 300).remaining).toBe(1);
    expect(limiter.admit(T0 + 400).remaining).toBe(0);
    const rejected = limiter.admit(T0 + 500);
    expect(rejected).toMatchObject({ allowed: false, remaining: 0, resetAt: T0 + 1000, retryAfterMs: 500 });
    // The rejection was not counted; the next window is full again.
    expect(limiter.admit(T0 + 1000)).toMatchObject({ allowed: true, remaining: 2, resetAt: T0 + 2000 });
  });

  it('honours cost and a lowered limit', () => {
    const limiter = new FixedWindow({ limit: 10, windowMs: 1000 });
    expect(limiter.admit(T0, 4).remaining).toBe(6);
    limiter.setLimit(5);
    expect(limiter.admit(T0 + 1, 2)).toMatchObject({ allowed: false, remaining: 1, limit: 5 });
    expect(limiter.admit(T0 + 2, 1)).toMatchObject({ allowed: true, remaining: 0 });
  });
});

describe('SlidingLog', () => {
  it('frees each slot exactly one window after it was admitted', () => {
    const limiter = new SlidingLog({ limit: 2, windowMs: 1000 });
    expect(limiter.admit(T0)).toMatchObject({ allowed: true, remaining: 1, resetAt: T0 + 1000, fullAt: T0 + 1000 });
    expect(limiter.admit(T0 + 400)).toMatchObject({ allowed: true, remaining: 0, resetAt: T0 + 1000, fullAt: T0 + 1400 });
    expect(limiter.admit(T0 + 999)).toMatchObject({ allowed: false, retryAfterMs: 1 });
    expect(limiter.admit(T0 + 1000)).toMatchObject({ allowed: true, remaining: 0, resetAt: T0 + 1400, fullAt: T0 + 2000 });
    expect(limiter.admit(T0 + 1100)).toMatchObject({ allowed: false, retryAfterMs: 300 });
  });

  it('computes retryAfter for a cost that needs several slots', () => {
    const limiter = new SlidingLog({ limit: 3, windowMs: 1000 });
    limiter.admit(T0);
    limiter.admit(T0 + 100);
    limiter.admit(T0 + 200);
    expect(limiter.admit(T0 + 300, 2)).toMatchObject({ allowed: false, retryAfterMs: 800 });
  });

  it('never holds more than `limit` in any window span', () => {
    const limiter = new SlidingLog({ limit: 5, windowMs: 100 });
    const admitted: number[] = [];
    for (let t = 0; t < 1000; t += 7) if (limiter.admit(t).allowed) admitted.push(t);
    for (const t of admitted) expect(admitted.filter((u) => u > t - 100 && u <= t).length).toBeLessThanOrEqual(5);
  });
});

describe('TokenBucket', () => {
  it('starts full, refills at limit per window, reports time until full', () => {
    const limiter = new TokenBucket({ limit: 10, windowMs: 1000 });
    for (let index = 0; index < 10; index += 1) expect(limiter.admit(T0).allowed).toBe(true);
    const rejected = limiter.admit(T0);
    expect(rejected).toMatchObject({ allowed: false, remaining: 0, resetAt: T0 + 1000, retryAfterMs: 100 });
    expect(limiter.admit(T0 + 100)).toMatchObject({ allowed: true, remaining: 0, resetAt: T0 + 1100 });
    expect(limiter.admit(T0 + 650)).toMatchObject({ allowed: true, remaining: 4, resetAt: T0 + 1200 });
  });

  it('caps tokens at a lowered limit', () => {
    const limiter = new TokenBucket({ limit: 100, windowMs: 1000 });
    limiter.setLimit(25);
    expect(limiter.admit(T0)).toMatchObject({ allowed: true, limit: 25, remaining: 24 });
  });
});

describe('createLimiter', () => {
  it('builds each algorithm and rejects bad options', () => {
    expect(createLimiter({ algorithm: 'fixed', limit: 1, windowMs: 1 }).algorithm).toBe('fixed');
    expect(createLimiter({ algorithm: 'sliding', limit: 1, windowMs: 1 }).algorithm).toBe('sliding');
    expect(createLimiter({ algorithm: 'bucket', limit: 1, windowMs: 1 }).algorithm).toBe('bucket');
    expect(() => new SlidingLog({ limit: -1, windowMs: 1 })).toThrow(RangeError);
    expect(() => new FixedWindow({ limit: 1, windowMs: 0 })).toThrow(RangeError);
  });
});
