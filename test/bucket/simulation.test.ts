import { describe, expect, it } from 'vitest';
import { allScenarios, type GroupedScenario } from './sim/scenarios.ts';
import { simulate } from './sim/simulate.ts';

// Two seeds here keep the suite fast; `npx node test/bucket/sim/report.ts 10` runs more.
const SEEDS = [1000, 1001];

function named(group: GroupedScenario['group']): GroupedScenario[] {
  return allScenarios().filter((scenario) => scenario.group === group);
}

describe('simulation: stated 1 s windows (IETF) and refill buckets', () => {
  it.each([...named('stated-1s'), ...named('refill')].map((scenario) => [scenario.name, scenario] as const))(
    '%s: >= 97 % of the quota, no 429',
    (_name, scenario) => {
      for (const seed of SEEDS) {
        const result = simulate(scenario, seed);
        expect(result.rejected, `seed ${seed}`).toBe(0);
        expect(result.utilization, `seed ${seed}`).toBeGreaterThanOrEqual(0.97);
      }
    },
  );
});

describe('simulation: stated longer windows', () => {
  it.each(named('stated').map((scenario) => [scenario.name, scenario] as const))('%s: >= 97 %, no 429', (_name, scenario) => {
    for (const seed of SEEDS) {
      const result = simulate(scenario, seed);
      expect(result.rejected, `seed ${seed}`).toBe(0);
      expect(result.utilization, `seed ${seed}`).toBeGreaterThanOrEqual(0.97);
    }
  });
});

/**
 * Sub-second windows behind whole-second resets were the known gap (0.5 s fixed windows 0.55-0.76,
 * sliding logs 0.79-0.93): now every 5 s run clears 90 % (seeds 1000-1009: 0.92-1.09) since the
 * last units of confirmed room wait to show when the first ones come back (the evidence reserve).
 */
describe('simulation: unstated windows (X-RateLimit, whole-second resets)', () => {
  it.each([...named('unstated-1s'), ...named('unstated')].map((scenario) => [scenario.name, scenario] as const))(
    '%s: >= 90 % over three windows, at most a few 429s',
    (_name, scenario) => {
      for (const seed of SEEDS) {
        const result = simulate(scenario, seed);
        expect(result.rejected, `seed ${seed}`).toBeLessThanOrEqual(3);
        expect(result.utilization, `seed ${seed}`).toBeGreaterThanOrEqual(0.9);
      }
    },
  );

  // The bench's 1.5 s runs: the first window goes to learning it. Seeds 1000-1019: 0.86 and up
  // (0.34-0.91 before the evidence reserve); held to the measured floor, no 429.
  it.each(named('three-windows').map((scenario) => [scenario.name, scenario] as const))('%s: >= 85 %, no 429', (_name, scenario) => {
    for (const seed of SEEDS) {
      const result = simulate(scenario, seed);
      expect(result.rejected, `seed ${seed}`).toBe(0);
      expect(result.utilization, `seed ${seed}`).toBeGreaterThanOrEqual(0.85);
    }
  });
});

describe('simulation: the limit drops 100 -> 25 mid-run', () => {
  const withHeaders = named('drop').filter((scenario) => scenario.dialect !== 'none');
  it.each(withHeaders.map((scenario) => [scenario.name, scenario] as const))('%s: 429s only for what was in flight, rate follows', (_name, scenario) => {
    for (const seed of SEEDS) {
      const result = simulate(scenario, seed);
      // The sends in flight when the limit drops, plus the ones sent before the first 429 returns.
      expect(result.rejected, `seed ${seed}`).toBeLessThanOrEqual(result.inFlightAtChange + 2);
      // With an unstated window the model re-learns it after the drop (a known gap: slower). A
      // window speaking refill semantics (OpenAI on a fixed window or sliding log) is idle
      // waiting for its slots when the limit drops: the first send after meets the 429, whose
      // 1 s floor costs a window (0.67 of the rest of the run).
      const floor = scenario.dialect === 'xrl-epoch' ? 0.3 : scenario.dialect === 'openai' && scenario.kind !== 'bucket' ? 0.6 : 0.85;
      expect(result.acceptedAfterChange / result.allowedAfterChange, `seed ${seed}`).toBeGreaterThanOrEqual(floor);
    }
  });
});

describe('simulation: no quota headers (429 + Retry-After only)', () => {
  it.each(named('none').map((scenario) => [`${scenario.name} ${scenario.durationMs / 1000}s run`, scenario] as const))(
    '%s: >= 80 % with <= 5 % 429s',
    (_name, scenario) => {
      for (const seed of SEEDS) {
        const result = simulate(scenario, seed);
        expect(result.utilization, `seed ${seed}`).toBeGreaterThanOrEqual(0.8);
        expect(result.rejected / (result.accepted + result.rejected), `seed ${seed}`).toBeLessThanOrEqual(0.05);
      }
    },
  );
});
