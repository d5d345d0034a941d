/** The quota model with several units at once (LLM requests + tokens): re-sync to the server's count, and costs that can never fit. */
import { describe, expect, it } from 'vitest';
import { QuotaModel } from '../../src/bucket/quota-model.ts';
import type { SendRecord, TakeDecision, Units } from '../../src/bucket/types.ts';
import type { ParsedRateLimit } from '../../src/headers/types.ts';

const T0 = 1_700_000_000_000;
const TOKENS_PER_MS = 10_000 / 60_000;

function admitted(decision: TakeDecision): SendRecord {
  if (!decision.ok) throw new Error(`refused: ${decision.reason}`);
  return decision.send;
}

/** OpenAI-style refill policies: 1,000 requests and 10,000 tokens per minute. */
function openai(tokensRemaining: number, now: number): ParsedRateLimit {
  const full = (deficit: number, perMs: number) => now + Math.ceil(deficit / perMs);
  return {
    policies: [
      { name: 'requests', unit: 'requests', limit: 1000, remaining: 999, resetAt: full(1, 1000 / 60_000), resetPrecisionMs: 1, semantics: 'refill' },
      { name: 'tokens', unit: 'tokens', limit: 10_000, remaining: tokensRemaining, resetAt: full(10_000 - tokensRemaining, TOKENS_PER_MS), resetPrecisionMs: 1, semantics: 'refill' },
    ],
  };
}

const tokensLeft = (model: QuotaModel, now: number) => model.snapshot(now).policies.find((policy) => policy.unit === 'tokens')?.remaining;
const call = (tokens: number): Units => ({ requests: 1, tokens });
/** The server's figure, plus the few tokens that refilled since it counted. */
const near = (value: number | undefined, expected: number) => {
  expect(value).toBeGreaterThanOrEqual(expected);
  expect(value).toBeLessThanOrEqual(expected + 5);
};

describe('QuotaModel re-syncs estimated token costs to the server', () => {
  it('corrects an under-estimate instead of keeping the roomier local view', () => {
    const model = new QuotaModel();
    const first = admitted(model.take(T0, call(100)));
    model.observe(first, { now: T0 + 10, status: 200, parsed: openai(9900, T0 + 10) });
    // Estimated 100 tokens; the server counted 300.
    const second = admitted(model.take(T0 + 20, call(100)));
    model.observe(second, { now: T0 + 30, status: 200, parsed: openai(9600, T0 + 30) });
    near(tokensLeft(model, T0 + 30), 9600);
  });

  it('corrects an over-estimate too', () => {
    const model = new QuotaModel();
    const first = admitted(model.take(T0, call(100)));
    model.observe(first, { now: T0 + 10, status: 200, parsed: openai(9900, T0 + 10) });
    // Estimated 2,000 tokens; the server counted 100.
    const second = admitted(model.take(T0 + 20, call(2000)));
    model.observe(second, { now: T0 + 30, status: 200, parsed: openai(9800, T0 + 30) });
    near(tokensLeft(model, T0 + 30), 9800);
  });

  it('waits until every unit the request needs is there', () => {
    const model = new QuotaModel();
    const first = admitted(model.take(T0, call(100)));
    model.observe(first, { now: T0 + 10, status: 200, parsed: openai(1000, T0 + 10) });
    const refused = model.take(T0 + 20, call(1500));
    expect(refused).toMatchObject({ ok: false, reason: 'quota' });
    // 500 tokens short at 10,000 per minute: 3 s for a token bucket; no later than the bucket is full.
    const retryAt = refused.ok ? 0 : (refused.retryAt ?? Infinity);
    expect(retryAt - T0).toBeGreaterThan(2900);
    expect(retryAt - T0).toBeLessThanOrEqual(60_000);
    expect(model.take(retryAt, call(1500)).ok).toBe(true);
    // Plenty of tokens, but the requests policy is spent: the call waits for it too.
    const requestsSpent = new QuotaModel();
    const probe = admitted(requestsSpent.take(T0, call(100)));
    const parsed = openai(9000, T0 + 10);
    const [requests, tokens] = parsed.policies;
    requestsSpent.observe(probe, { now: T0 + 10, status: 200, parsed: { policies: [{ ...requests!, remaining: 0, resetAt: T0 + 1000 }, tokens!] } });
    expect(requestsSpent.take(T0 + 20, call(10))).toMatchObject({ ok: false, reason: 'quota' });
  });
});

describe('QuotaModel refuses a cost larger than a whole limit', () => {
  it('says too-large for a unit above its stated limit, and nothing else is affected', () => {
    const model = new QuotaModel();
    const first = admitted(model.take(T0, call(100)));
    model.observe(first, { now: T0 + 10, status: 200, parsed: openai(9900, T0 + 10) });
    expect(model.take(T0 + 20, call(10_001))).toEqual({ ok: false, retryAt: undefined, reason: 'too-large', unit: 'tokens', limit: 10_000 });
    expect(model.take(T0 + 20, call(10_000)).ok).toBe(false);
    expect(model.take(T0 + 20, call(100)).ok).toBe(true);
  });

  it('never refuses on a limit only inferred from remaining (it may grow)', () => {
    const model = new QuotaModel();
    const first = admitted(model.take(T0, { requests: 1 }));
    model.observe(first, { now: T0 + 10, status: 200, parsed: { policies: [{ unit: 'requests', remaining: 2, resetAt: T0 + 1000, resetPrecisionMs: 1000 }] } });
    const decision = model.take(T0 + 20, { requests: 5 });
    expect(decision.ok === false && decision.reason).not.toBe('too-large');
  });

  it('uses a configured limit before the server says anything', () => {
    const model = new QuotaModel({ limit: 3, windowMs: 1000 });
    expect(model.take(T0, { requests: 4 })).toMatchObject({ ok: false, reason: 'too-large', unit: 'requests', limit: 3 });
    expect(model.take(T0, { requests: 3 }).ok).toBe(true);
  });
});
