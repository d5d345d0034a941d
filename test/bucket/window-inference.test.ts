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
