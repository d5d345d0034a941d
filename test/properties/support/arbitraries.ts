import fc from 'fast-check';
import type { Dialect } from '../../../src/msw/dialects.ts';
import type { Algorithm } from '../../../src/msw/limiters/types.ts';
import type { Scenario, SimRequest } from './sim.ts';

/** Dialects that state the quota (limit and remaining) in headers. */
export const statingDialects = ['x-ratelimit-epoch', 'x-ratelimit-delta', 'github', 'openai', 'ietf', 'ietf-06'] as const satisfies readonly Dialect[];
export const silentDialects = ['retry-after', 'none', 'silent'] as const satisfies readonly Dialect[];
export const algorithms = ['fixed', 'sliding', 'bucket', 'leaky'] as const satisfies readonly Algorithm[];

export interface ScenarioShape {
  algorithms?: readonly Algorithm[];
  dialects?: readonly Dialect[];
  /** Allow limit changes. */
  changes?: 'none' | 'any' | 'raise';
  /** Allow aborts. */
  aborts?: boolean;
  maxCost?: number;
  maxRequests?: number;
}

function request(shape: ScenarioShape, spanMs: number): fc.Arbitrary<SimRequest> {
  return fc.record({
    at: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: spanMs })),
    priority: fc.integer({ min: 0, max: 2 }),
    cost: fc.integer({ min: 1, max: shape.maxCost ?? 1 }),
    abortAfterMs: shape.aborts === true ? fc.option(fc.integer({ min: 0, max: 3000 }), { nil: undefined, freq: 4 }) : fc.constant(undefined),
  });
}

/** A random scenario of the given shape. */
export function scenario(shape: ScenarioShape = {}): fc.Arbitrary<Scenario> {
  return fc
    .record({
      algorithm: fc.constantFrom(...(shape.algorithms ?? algorithms)),
      dialect: fc.constantFrom(...(shape.dialects ?? statingDialects)),
      limit: fc.integer({ min: 1, max: 12 }),
      windowMs: fc.constantFrom(500, 1000, 2000, 3000),
      latency: fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 120 })).map(([min, extra]) => [min, min + extra] as const),
      admitAt: fc.constantFrom(0, 0.5, 1),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      phaseMs: fc.integer({ min: 0, max: 2999 }),
    })
    .chain((base) => {
      const spanMs = base.windowMs * 4;
      const maxCost = Math.min(shape.maxCost ?? 1, base.limit);
      const change =
        shape.changes === 'any'
          ? fc.record({ atMs: fc.integer({ min: 0, max: spanMs }), limit: fc.integer({ min: 1, max: 12 }) })
          : fc.record({ atMs: fc.integer({ min: 0, max: spanMs }), limit: fc.integer({ min: base.limit, max: 16 }) });
      return fc.record({
        requests: fc.array(request({ ...shape, maxCost }, spanMs), { minLength: 1, maxLength: shape.maxRequests ?? 40 }),
        schedule: shape.changes === undefined || shape.changes === 'none' ? fc.constant([]) : fc.array(change, { maxLength: 3 }),
      }).map((mix) => ({ ...base, ...mix, schedule: shape.changes === 'raise' ? rising(mix.schedule) : mix.schedule }));
    });
}

/** Sorted by time, each limit at least the one before: only raises. */
function rising(schedule: readonly { atMs: number; limit: number }[]): { atMs: number; limit: number }[] {
  let floor = 0;
  return [...schedule]
    .sort((a, b) => a.atMs - b.atMs)
    .map((change) => {
      floor = Math.max(floor, change.limit);
      return { atMs: change.atMs, limit: floor };
    });
}
