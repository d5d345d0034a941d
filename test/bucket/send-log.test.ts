import { describe, expect, it } from 'vitest';
import { SendLog } from '../../src/bucket/send-log.ts';
import { RefillEstimator } from '../../src/bucket/refill-estimator.ts';

describe('SendLog', () => {
  it('sums unit ranges and finds sends by time', () => {
    const log = new SendLog();
    for (let index = 0; index < 10; index++) log.append(index * 10, { requests: 1, tokens: index });
    expect(log.sumRange(3, 5, 'requests')).toBe(3);
    expect(log.sumRange(3, 5, 'tokens')).toBe(2 + 3 + 4);
    expect(log.firstIdSentAfter(25)).toBe(4);
    expect(log.firstIdReaching(1, 5, 'requests')).toBe(5);
    expect(log.inFlightCount).toBe(10);
  });

  it('keeps totals right after dropping old sends, and stays bounded', () => {
    const log = new SendLog();
    for (let index = 0; index < 5000; index++) {
      const entry = log.append(index, { requests: 1 });
      log.settle(entry.id, index + 1, 200);
      log.dropOlderThan(index - 100, 10, 1000);
    }
    expect(log.lastId - log.firstId + 1).toBeLessThanOrEqual(1000);
    expect(log.sumRange(log.firstId, log.lastId, 'requests')).toBe(log.lastId - log.firstId + 1);
    expect(log.totalThrough(log.lastId, 'requests')).toBe(5000);
  });

  it('extends a run of surely-gone sends over the next ones answered in time, stopping at one unanswered', () => {
    const log = new SendLog();
    const sends = [0, 10, 20, 30, 40].map((at) => log.append(at, { requests: 1 }));
    log.settle(sends[0]!.id, 25, 200); // answered at 25
    log.settle(sends[1]!.id, 30, 200); // answered at 30
    log.settle(sends[2]!.id, 90, 200); // answered late, at 90
    log.settle(sends[4]!.id, 50, 200); // answered, but after an unanswered one
    expect(log.lastAnsweredBy(0, 24)).toBe(0);
    expect(log.lastAnsweredBy(0, 30)).toBe(2);
    expect(log.lastAnsweredBy(0, 100)).toBe(3); // stops before #4: #4 (sent at 30) is still in flight
    log.settle(sends[3]!.id, 60, undefined); // a failed attempt: its arrival is unknown
    expect(log.lastAnsweredBy(3, 1000)).toBe(3);
  });

  it('remembers refused sends so they never become credit', () => {
    const log = new SendLog();
    const a = log.append(0, { requests: 1 });
    log.append(1, { requests: 1 });
    log.settle(a.id, 20, 429);
    expect(log.rejectedInRange(1, 2, 'requests')).toBe(1);
  });
});

describe('RefillEstimator', () => {
  it('bounds a bucket refill time from time-to-full reports', () => {
    const estimator = new RefillEstimator();
    // A 100 per 1000 ms bucket short of 50: full in 500 ms.
    estimator.observe(100, 50, 10_520, 1, 10_000, 10_020);
    const { low, high } = estimator.range;
    expect(low).toBeLessThanOrEqual(1000);
    expect(high).toBeGreaterThanOrEqual(1000);
    expect(high).toBeLessThan(1200);
  });
});
