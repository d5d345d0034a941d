import { describe, expect, it } from 'vitest';
import { ReturnLedger } from '../../src/bucket/return-ledger.ts';

/** A window's rate bound high enough that whole sends count (a sliding log or a fixed window). */
const FAST = 1000;

describe('ReturnLedger', () => {
  it('credits a send once its own "full again" has passed, not before', () => {
    const ledger = new ReturnLedger();
    ledger.record(1, 1100, 1);
    ledger.record(2, 1200, 2);
    expect(ledger.returned(1099, 1000, 1, 2, FAST)).toBe(0);
    expect(ledger.returned(1100, 1000, 1, 2, FAST)).toBe(1);
    expect(ledger.returned(1200, 1000, 1, 2, FAST)).toBe(3);
  });

  it('keeps entries sorted whatever order the answers come in', () => {
    const ledger = new ReturnLedger();
    ledger.record(3, 1300, 1);
    ledger.record(1, 1100, 1);
    ledger.record(2, 1200, 1);
    expect(ledger.returned(1150, 1000, 1, 3, FAST)).toBe(1);
    expect(ledger.backAt(1000, 1000, 1, 3, FAST, 2)).toBe(1200);
    expect(ledger.backAt(1000, 1000, 1, 3, FAST, 3)).toBe(1300);
    expect(ledger.backAt(1000, 1000, 1, 3, FAST, 4)).toBeUndefined();
    expect(ledger.backAt(1000, 1000, 1, 3, FAST, 0)).toBe(1000);
  });

  it('credits only sends the sync point may hold: within [fromId, throughId], not back at its answer', () => {
    const ledger = new ReturnLedger();
    ledger.record(1, 900, 1); // back before the sync's answer at 1000: never held by it
    ledger.record(2, 1100, 1); // older than the sync's held units
    ledger.record(3, 1150, 1);
    ledger.record(5, 1180, 1); // after the sync point
    expect(ledger.returned(2000, 1000, 3, 4, FAST)).toBe(1);
    expect(ledger.returned(2000, 1000, 1, 5, FAST)).toBe(3);
    expect(ledger.backAt(1000, 1000, 3, 4, FAST, 1)).toBe(1150);
  });

  it("credits a bucket's large send only for the units still out at the sync's answer (the refill time left)", () => {
    const ledger = new ReturnLedger();
    // A send of 3 full again at 1100; at most 1 unit per 100 ms refills, so at the answer (1000)
    // at least one unit was still out: only that one is credit.
    ledger.record(1, 1100, 3);
    expect(ledger.returned(1100, 1000, 1, 1, 0.01)).toBeCloseTo(1);
    expect(ledger.returned(1100, 800, 1, 1, 0.01)).toBe(3);
    // Before any refill time is known, nothing is credit.
    expect(ledger.returned(1100, 1000, 1, 1, 0)).toBe(0);
  });

  it('forgets sends back by a time', () => {
    const ledger = new ReturnLedger();
    ledger.record(1, 1100, 1);
    ledger.record(2, 1200, 1);
    ledger.dropBackBy(1100);
    expect(ledger.returned(2000, 0, 1, 2, FAST)).toBe(1);
  });

  it('ignores sends of no units and times that are not finite', () => {
    const ledger = new ReturnLedger();
    ledger.record(1, Number.NaN, 1);
    ledger.record(2, 1100, 0);
    ledger.record(3, Number.POSITIVE_INFINITY, 1);
    expect(ledger.returned(Number.MAX_SAFE_INTEGER, 0, 1, 3, FAST)).toBe(0);
  });
});
