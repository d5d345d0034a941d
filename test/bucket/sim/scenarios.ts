import type { Dialect } from './dialects.ts';
import type { ServerKind } from './servers.ts';
import type { Scenario } from './simulate.ts';

const KINDS: readonly ServerKind[] = ['fixed', 'sliding', 'bucket'];

/** A scenario's group decides which bar it must clear. */
export type Group = 'stated-1s' | 'unstated-1s' | 'stated' | 'unstated' | 'three-windows' | 'refill' | 'drop' | 'none' | 'busy' | 'browser';

export interface GroupedScenario extends Scenario {
  readonly group: Group;
}

function scenario(group: Group, kind: ServerKind, dialect: Dialect, windowMs: number, extra: Partial<Scenario> = {}): GroupedScenario {
  const durationMs = extra.durationMs ?? Math.max(5000, 3 * windowMs);
  const change = extra.limitChange === undefined ? '' : ` ${100}->${extra.limitChange.to}`;
  const busy = extra.dispatchLagMs === undefined ? '' : ` busy ${extra.dispatchLagMs} ms/send`;
  const capped = extra.maxInFlight === undefined ? '' : ` ${extra.maxInFlight} in flight, legs ${extra.legMs?.join('-') ?? '10-15'} ms`;
  return {
    group,
    name: `${kind} ${dialect} ${windowMs / 1000}s${change}${busy}${capped}${group === 'three-windows' ? `, ${durationMs / 1000} s run` : ''}`,
    kind,
    dialect,
    windowMs,
    limit: 100,
    durationMs,
    ...extra,
  };
}

/** Every scenario the report runs; tests pick subsets. */
export function allScenarios(): GroupedScenario[] {
  const list: GroupedScenario[] = [];
  for (const kind of KINDS) list.push(scenario('stated-1s', kind, 'ietf', 1000));
  for (const kind of KINDS) list.push(scenario('refill', kind, 'openai', 1000));
  list.push(scenario('refill', 'bucket', 'openai', 10_000, { durationMs: 30_000 }));
  for (const kind of KINDS) for (const dialect of ['xrl-epoch', 'xrl-delta'] as const) list.push(scenario('unstated-1s', kind, dialect, 1000));
  for (const windowMs of [2000, 3000, 10_000]) for (const kind of KINDS) list.push(scenario('stated', kind, 'ietf', windowMs));
  for (const windowMs of [500, 2000, 3000, 10_000]) {
    for (const kind of KINDS) for (const dialect of ['xrl-epoch', 'xrl-delta'] as const) list.push(scenario('unstated', kind, dialect, windowMs));
  }
  // The bench's length for unstated windows: three windows, the first of them spent learning.
  for (const kind of KINDS) for (const dialect of ['xrl-epoch', 'xrl-delta'] as const) list.push(scenario('three-windows', kind, dialect, 500, { durationMs: 1500 }));
  for (const kind of KINDS) {
    for (const dialect of ['ietf', 'xrl-epoch', 'none'] as const) {
      list.push(scenario('drop', kind, dialect, 1000, { limitChange: { at: 2500, to: 25 } }));
    }
  }
  for (const kind of KINDS) list.push(scenario('drop', kind, 'openai', 1000, { limitChange: { at: 2500, to: 25 } }));
  for (const kind of KINDS) list.push(scenario('none', kind, 'none', 1000));
  for (const kind of KINDS) list.push(scenario('none', kind, 'none', 1000, { durationMs: 10_000 }));
  // A client whose bursts leave over tens of ms (a busy event loop): arrival order strays from send order.
  for (const kind of KINDS) for (const dialect of ['xrl-epoch', 'ietf', 'openai'] as const) list.push(scenario('busy', kind, dialect, 1000, { dispatchLagMs: 4 }));
  // A browser tab: 6 connections per host, round trips of 40-80 ms (the e2e pages' conditions).
  for (const kind of KINDS) for (const dialect of ['xrl-epoch', 'xrl-delta'] as const) {
    list.push(scenario('browser', kind, dialect, 1000, { maxInFlight: 6, legMs: [20, 40], durationMs: 10_000 }));
  }
  return list;
}
