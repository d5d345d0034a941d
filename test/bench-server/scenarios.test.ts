import { describe, expect, it } from 'vitest';
import { capacity, scenarios } from '../../bench/scenarios.ts';

const byId = (id: string) => {
  const scenario = scenarios.find((item) => item.id === id);
  if (scenario === undefined) throw new Error(`no scenario ${id}`);
  return scenario;
};

describe('bench scenarios', () => {
  it('integrates the limit over the run for utilization', () => {
    expect(capacity(byId('sliding'))).toBe(500);
    expect(capacity(byId('drop'))).toBe(312.5);
    expect(capacity(byId('window-10'))).toBe(300);
    expect(capacity(byId('window-0.5'))).toBe(300);
  });

  it('has unique ids and restricts the unstated-window runs to ky-quota and p-queue', () => {
    expect(new Set(scenarios.map((scenario) => scenario.id)).size).toBe(scenarios.length);
    expect(byId('window-2').contenders).toEqual(['ky-quota', 'p-queue']);
    expect(byId('window-2').durationMs).toBe(6000);
  });
});
