/**
 * Totals across property runs, for docs/reliability.md: requests, outcomes, 429s, lost.
 * Printed once per file when `KYQ_FIGURES=1`.
 */
import { afterAll } from 'vitest';
import type { Scenario, SimResult } from './sim.ts';

interface Totals {
  runs: number;
  requests: number;
  ok: number;
  aborted: number;
  failed: number;
  lost: number;
  rejected: number;
  simulatedMs: number;
}

const totals = new Map<string, Totals>();

export function record(group: string, scenario: Scenario, result: SimResult): void {
  const entry = totals.get(group) ?? { runs: 0, requests: 0, ok: 0, aborted: 0, failed: 0, lost: 0, rejected: 0, simulatedMs: 0 };
  entry.runs++;
  entry.requests += scenario.requests.length;
  for (const outcome of result.outcomes) {
    if (outcome === 'ok') entry.ok++;
    else if (outcome === 'AbortError') entry.aborted++;
    else if (outcome === undefined) entry.lost++;
    else entry.failed++;
  }
  entry.rejected += result.arrivals.filter((arrival) => arrival.status === 429).length;
  entry.simulatedMs += result.endedAt - result.startedAt;
  totals.set(group, entry);
}

afterAll(() => {
  if (process.env['KYQ_FIGURES'] !== '1') return;
  for (const [group, entry] of totals) console.log(`figures ${group} ${JSON.stringify(entry)}`);
});
