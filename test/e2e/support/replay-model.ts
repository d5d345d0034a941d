/**
 * Replays the leader's quota model of an e2e run in Node, call for call, to see why it paced as it
 * did (the model is pure: the same calls give the same answers).
 *
 *   KYQ_E2E_TRACE=/tmp/kyq npx vitest run --project e2e test/e2e/tabs.test.ts -t steady
 *   npx node test/e2e/support/replay-model.ts /tmp/kyq.steady.json [fromMs] [toMs]
 *   (polling.test.ts writes /tmp/kyq.poll-shared.json and /tmp/kyq.poll-fair.json the same way)
 *
 * The tabs record every `QuotaModel` call (`?modellog`, set by the tests when tracing). Prints, per
 * 250 ms of the run, the server's admissions, the model's grants and refusals, and the window
 * inference's surviving hypotheses and range; then checks every replayed answer against the one
 * the browser got (a mismatch means the log is incomplete, e.g. a leader changed mid-run).
 */
import { readFileSync } from 'node:fs';
import { QuotaModel } from '../../../src/bucket/quota-model.ts';
import type { Observation, SendRecord, TakeDecision, Units } from '../../../src/bucket/types.ts';
import { WindowInference } from '../../../src/bucket/window-inference.ts';
import type { TabTrace } from './tab-page.ts';

type Call = ['take', number, Units, TakeDecision] | ['observe', SendRecord, Observation, unknown];
interface RunTrace {
  readonly startedAt: number;
  readonly endedAt: number;
  readonly tabs: readonly TabTrace[];
  readonly server: readonly { readonly admittedAt: number; readonly status: number }[];
}

const [file, fromArgument, toArgument] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: replay-model.ts <trace.json> [fromMs] [toMs]');
const run = JSON.parse(readFileSync(file, 'utf8')) as RunTrace;
const origin = run.startedAt;
const from = Number(fromArgument ?? -1000);
const to = Number(toArgument ?? run.endedAt - origin + 1000);
// The tab whose models answered most calls: the leader of the whole run (or the memory-store tab).
const calls = ([...run.tabs].map((tab) => tab.model as Call[]).sort((a, b) => b.length - a.length)[0] ?? []) as Call[];
if (calls.length === 0) throw new Error(`${file} has no model calls: trace with KYQ_E2E_TRACE (the tests then load the tabs with ?modellog)`);

const slot = (time: number): number => Math.floor((time - origin) / 250) * 250;
interface Row {
  admitted: number;
  rejected: number;
  grants: number;
  refusals: Record<string, number>;
  hypotheses: string;
}
const rows = new Map<number, Row>();
const row = (time: number): Row => {
  const key = slot(time);
  let found = rows.get(key);
  if (found === undefined) {
    found = { admitted: 0, rejected: 0, grants: 0, refusals: {}, hypotheses: '' };
    rows.set(key, found);
  }
  return found;
};
for (const request of run.server) {
  if (request.status === 200) row(request.admittedAt).admitted++;
  else row(request.admittedAt).rejected++;
}

// The inference's state after each observation that reached it.
const observe = WindowInference.prototype.observe;
WindowInference.prototype.observe = function (this: WindowInference, observation, log, rtt) {
  observe.call(this, observation, log, rtt);
  const range = this.range;
  row(observation.receivedAt).hypotheses = `${this.kinds.join('+') || 'none'} ${Math.round(range.low)}-${Number.isFinite(range.high) ? Math.round(range.high) : 'inf'}`;
};

const model = new QuotaModel({});
let mismatches = 0;
for (const call of calls) {
  if (call[0] === 'take') {
    const [, now, cost, answered] = call;
    const decision = model.take(now, cost);
    const same = decision.ok === answered.ok && (decision.ok || answered.ok || decision.retryAt === answered.retryAt);
    if (!same && mismatches++ < 5) console.log(`mismatch at ${now - origin} ms: replayed ${JSON.stringify(decision)}, browser ${JSON.stringify(answered)}`);
    if (decision.ok) row(now).grants++;
    else {
      const refusals = row(now).refusals;
      refusals[decision.reason] = (refusals[decision.reason] ?? 0) + 1;
    }
  } else {
    model.observe(call[1], call[2]);
  }
}
console.log('ms\tadmitted\t429\tgrants\trefusals\tinference (kinds, window low-high ms)');
let hypotheses = '';
for (const key of [...rows.keys()].sort((a, b) => a - b)) {
  if (key < from || key > to) continue;
  const entry = rows.get(key) as Row;
  if (entry.hypotheses !== '') hypotheses = entry.hypotheses;
  console.log(`${key}\t${entry.admitted}\t${entry.rejected}\t${entry.grants}\t${JSON.stringify(entry.refusals)}\t${hypotheses}`);
}
console.log(`${calls.length} calls replayed, ${mismatches} answers differ from the browser's`);
