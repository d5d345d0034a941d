import { describe, expect, it } from 'vitest';
import { allScenarios } from './sim/scenarios.ts';
import { simulate } from './sim/simulate.ts';

// The inference is exercised end to end: the property that matters is that it never settles on
// a window shorter than the true one (that would cost 429s), whatever the server kind.
describe('window inference (unstated windows)', () => {
  const cases = allScenarios().filter((scenario) => scenario.group === 'unstated' || scenario.group === 'unstated-1s');
  it.each(cases.map((scenario) => [scenario.name, scenario] as const))('%s: never below the true window (no 429 over seeds)', (_name, scenario) => {
    for (const seed of [2000, 2001, 2002]) expect(simulate(scenario, seed).rejected, `seed ${seed}`).toBeLessThanOrEqual(3);
  });
});

describe('window inference: fixed windows', () => {
  it('a fixed window spends its room at once and finds its edges: delta resets rounded up to a second cost little', () => {
    const scenario = allScenarios().find((candidate) => candidate.name === 'fixed xrl-delta 1s');
    expect(scenario).toBeDefined();
    for (const seed of [1000, 1001, 1002]) {
      const result = simulate(scenario!, seed);
      expect(result.rejected, `seed ${seed}`).toBe(0);
      // Waiting for each rounded-up reset instead of the next edge gave 0.77-0.82.
      expect(result.utilization, `seed ${seed}`).toBeGreaterThanOrEqual(0.95);
    }
  });
});
