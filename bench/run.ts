/**
 * Side-by-side benchmark: every contender against the loopback reference server, one at a time.
 *
 *   node bench/run.ts                                   all scenarios x all contenders, 3 runs each
 *   node bench/run.ts --scenarios=sliding,drop --runs=1 --clients=ky-quota,p-queue
 *   node bench/run.ts overhead                          scheduling overhead, heap, abort (bench/overhead.ts)
 *
 * Cells are medians over runs: server-accepted / server-429 within the run (utilization %), where
 * utilization = accepted / (limit x duration / window), the limit integrated over a schedule.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { startReferenceServer } from './server/http-server.ts';
import { capacity, scenarios } from './scenarios.ts';
import type { Scenario } from './scenarios.ts';
import type { ClientContext, ClientResult } from './clients/types.ts';

const contenderNames = [
  'fire-all',
  'semaphore-sleep',
  'p-queue',
  'p-throttle',
  'bottleneck',
  'ky-retry-p-limit',
  'ky-quota',
] as const;

/** Extra time a contender gets to settle after its run is aborted before it counts as hung. */
const SETTLE_GRACE_MS = 5000;

interface RunRecord {
  accepted: number;
  rejected: number;
  utilization: number;
  maxAcceptedPerWindow: number;
  client: ClientResult | null;
  settleMs: number;
  hung: boolean;
  /** Requests in flight at the server when the limit first changed (scenarios with a schedule). */
  inFlightAtChange?: number;
  error?: string;
}

interface CellRecord {
  scenario: string;
  contender: string;
  runs: RunRecord[];
  median: { accepted: number; rejected: number; utilization: number } | null;
  skipped?: string;
}

type RunFunction = (context: ClientContext) => Promise<ClientResult>;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

const countWithin = (times: number[], from: number, to: number): number =>
  times.reduce((count, time) => (time >= from && time <= to ? count + 1 : count), 0);

async function loadContender(name: string): Promise<RunFunction | string> {
  try {
    const module = (await import(`./clients/${name}.ts`)) as { run?: RunFunction };
    return typeof module.run === 'function' ? module.run : 'no run() export';
  } catch (error) {
    return `import failed: ${message(error)}`;
  }
}

async function runOnce(scenario: Scenario, run: RunFunction): Promise<RunRecord> {
  const server = await startReferenceServer({
    algorithm: scenario.algorithm,
    limit: scenario.limit,
    windowMs: scenario.windowMs,
    dialect: scenario.dialect,
    schedule: scenario.schedule ?? [],
  });
  const controller = new AbortController();
  let hung = false;
  let client: ClientResult | null = null;
  let error: string | undefined;
  let settleMs = 0;
  try {
    server.restart();
    const t0 = server.stats().startedAt;
    const stop = setTimeout(() => controller.abort(new Error('run time is up')), scenario.durationMs);
    let inFlightAtChange: number | undefined;
    const firstChange = scenario.schedule?.[0];
    const sample = firstChange === undefined ? undefined : setTimeout(() => (inFlightAtChange = server.openRequests()), firstChange.atMs);
    const context: ClientContext = {
      url: server.url,
      total: scenario.total,
      durationMs: scenario.durationMs,
      limit: scenario.limit,
      windowMs: scenario.windowMs,
      signal: controller.signal,
      fetch: (input, init) => globalThis.fetch(input, init),
    };
    const outcome = run(context).then(
      (result) => {
        client = result;
      },
      (failure: unknown) => {
        error = message(failure);
      },
    );
    let guard: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'hung'>((resolve) => {
      guard = setTimeout(() => resolve('hung'), scenario.durationMs + SETTLE_GRACE_MS);
    });
    const winner = await Promise.race([outcome.then(() => 'done' as const), timedOut]);
    clearTimeout(guard);
    clearTimeout(stop);
    clearTimeout(sample);
    hung = winner === 'hung';
    settleMs = Math.max(0, Date.now() - t0 - scenario.durationMs);
    if (!controller.signal.aborted) controller.abort(new Error('run finished'));
    const stats = server.stats();
    const end = t0 + scenario.durationMs;
    const accepted = countWithin(stats.acceptedAt, t0, end);
    const record: RunRecord = {
      accepted,
      rejected: countWithin(stats.rejectedAt, t0, end),
      utilization: accepted / capacity(scenario),
      maxAcceptedPerWindow: stats.maxAcceptedPerWindow,
      client,
      settleMs,
      hung,
    };
    if (inFlightAtChange !== undefined) record.inFlightAtChange = inFlightAtChange;
    if (error !== undefined) record.error = error;
    return record;
  } finally {
    await server.close();
    // Let sockets and timers of the finished run wind down before the next one starts.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function cellText(cell: CellRecord | undefined): string {
  if (cell === undefined) return '-';
  if (cell.median === null) return cell.skipped === undefined ? 'failed' : 'n/a';
  const { accepted, rejected, utilization } = cell.median;
  const hung = cell.runs.some((run) => run.hung) ? ' (hung)' : '';
  return `${Math.round(accepted)} / ${Math.round(rejected)} (${Math.round(utilization * 100)} %)${hung}`;
}

export function formatTable(selected: Scenario[], contenders: readonly string[], cells: CellRecord[]): string {
  const header = ['client', ...selected.map((scenario) => scenario.label)];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const contender of contenders) {
    const row = selected.map((scenario) =>
      cellText(cells.find((cell) => cell.scenario === scenario.id && cell.contender === contender)),
    );
    if (row.every((text) => text === '-')) continue;
    lines.push(`| ${contender} | ${row.join(' | ')} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  if (process.argv.slice(2).includes('overhead')) {
    // bench/overhead.ts reads its own flags (--requests, --rounds, --queued).
    await import('./overhead.ts');
    return;
  }
  const { values } = parseArgs({
    options: {
      scenarios: { type: 'string' },
      clients: { type: 'string' },
      runs: { type: 'string', default: '3' },
      out: { type: 'string', default: new URL('./results/latest.json', import.meta.url).pathname },
    },
  });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`Expected \`--runs\` to be an integer >= 1, got \`${values.runs}\``);
  const scenarioIds = values.scenarios?.split(',').filter(Boolean);
  const selected = scenarioIds === undefined ? scenarios : scenarios.filter((scenario) => scenarioIds.includes(scenario.id));
  const unknownScenarios = scenarioIds?.filter((id) => !scenarios.some((scenario) => scenario.id === id)) ?? [];
  if (unknownScenarios.length > 0) {
    throw new RangeError(`Unknown scenarios: ${unknownScenarios.join(', ')}; known: ${scenarios.map((s) => s.id).join(', ')}`);
  }
  const clientIds = values.clients?.split(',').filter(Boolean);
  const unknownClients = clientIds?.filter((id) => !(contenderNames as readonly string[]).includes(id)) ?? [];
  if (unknownClients.length > 0) throw new RangeError(`Unknown clients: ${unknownClients.join(', ')}; known: ${contenderNames.join(', ')}`);
  const contenders = contenderNames.filter((name) => clientIds === undefined || clientIds.includes(name));

  const loaded = new Map<string, RunFunction | string>();
  for (const name of contenders) loaded.set(name, await loadContender(name));

  const cells: CellRecord[] = [];
  for (const scenario of selected) {
    for (const contender of contenders) {
      if (scenario.contenders !== undefined && !scenario.contenders.includes(contender)) continue;
      const run = loaded.get(contender);
      if (typeof run !== 'function') {
        cells.push({ scenario: scenario.id, contender, runs: [], median: null, skipped: run ?? 'not loaded' });
        continue;
      }
      const cell: CellRecord = { scenario: scenario.id, contender, runs: [], median: null };
      for (let index = 0; index < runs; index += 1) {
        const record = await runOnce(scenario, run);
        cell.runs.push(record);
        const atChange = record.inFlightAtChange === undefined ? '' : `, ${record.inFlightAtChange} in flight at the change`;
        process.stderr.write(
          `${scenario.id} ${contender} #${index + 1}: ${record.accepted} / ${record.rejected}` +
            ` (${Math.round(record.utilization * 100)} %)${atChange}${record.hung ? ' HUNG' : ''}${record.error === undefined ? '' : ` error: ${record.error}`}\n`,
        );
      }
      cell.median = {
        accepted: median(cell.runs.map((run) => run.accepted)),
        rejected: median(cell.runs.map((run) => run.rejected)),
        utilization: median(cell.runs.map((run) => run.utilization)),
      };
      cells.push(cell);
    }
  }

  const table = formatTable(selected, contenders, cells);
  const skipped = cells.filter((cell) => cell.skipped !== undefined);
  const notes = [...new Map(skipped.map((cell) => [cell.contender, cell.skipped])).entries()].map(
    ([contender, reason]) => `- ${contender}: ${reason}`,
  );
  console.log(table);
  if (notes.length > 0) console.log(`\nNot run:\n${notes.join('\n')}`);

  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    runs,
    scenarios: selected.map((scenario) => ({ ...scenario, capacity: capacity(scenario) })),
    contenders,
    cells: cells.map((cell) => ({
      ...cell,
      runs: cell.runs.map((run) => ({ ...run, client: run.client === null ? null : safeJson(run.client) })),
    })),
    table,
  };
  await mkdir(new URL('./results/', import.meta.url), { recursive: true });
  await writeFile(values.out, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`\nwrote ${values.out}`);
}

/** Keeps a client's extras (e.g. a quota snapshot) only if they serialise. */
function safeJson(value: ClientResult): unknown {
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    const { extra: _extra, ...rest } = value;
    return rest;
  }
}

await main();
