/**
 * Prints the simulation table over many seeds:
 *   npx node test/bucket/sim/report.ts [seeds=5] [filter]
 */
import { allScenarios } from './scenarios.ts';
import { simulate } from './simulate.ts';

const seeds = Number(process.argv[2] ?? 5);
const filter = process.argv[3];
const rows: string[] = [];
rows.push(['scenario', 'group', 'util min', 'util med', '429 max', '429 after 1st max', 'in flight @drop', 'after-drop util'].join(' | '));
const started = performance.now();
for (const scenario of allScenarios()) {
  if (filter !== undefined && !scenario.name.includes(filter) && scenario.group !== filter) continue;
  const results = Array.from({ length: seeds }, (_, index) => simulate(scenario, 1000 + index));
  const utilizations = results.map((result) => result.utilization).sort((a, b) => a - b);
  const median = utilizations[Math.floor(utilizations.length / 2)] ?? 0;
  const max429 = Math.max(...results.map((result) => result.rejected));
  const maxAfter = Math.max(...results.map((result) => result.rejectedAfterFirst));
  const drop = scenario.limitChange === undefined ? '' : String(Math.max(...results.map((result) => result.inFlightAtChange)));
  const follow =
    scenario.limitChange === undefined ? '' : Math.min(...results.map((result) => result.acceptedAfterChange / result.allowedAfterChange)).toFixed(2);
  rows.push([scenario.name, scenario.group, (utilizations[0] ?? 0).toFixed(3), median.toFixed(3), String(max429), String(maxAfter), drop, follow].join(' | '));
}
console.log(rows.join('\n'));
console.log(`\n${seeds} seeds, ${((performance.now() - started) / 1000).toFixed(1)} s`);
