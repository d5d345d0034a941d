/**
 * Replays the calls `RECORD=<file> node bench/trace-run.ts ...` recorded into a fresh quota
 * model, checks that every take decides as it did in the run, and prints, for each response, the
 * server's remaining and the model's view (available units, window bound) as the response left it:
 *
 *   npx node bench/replay-model.ts calls.jsonl [fromMs] [toMs]
 *
 * The model is pure, so a replay is exact: change src/bucket and replay again to see what the
 * change would have decided at the same instants (decisions that differ are flagged).
 */
import { readFileSync } from 'node:fs';
import { QuotaModel } from '../src/bucket/quota-model.ts';
import type { Observation, QuotaModelOptions, SendRecord, Units } from '../src/bucket/types.ts';

type Line = { take: { now: number; cost: Units; sent?: number }; defaults?: QuotaModelOptions } | { report: { send: SendRecord; observation: Observation } };

const [file, fromArg, toArg] = process.argv.slice(2);
if (file === undefined) throw new TypeError('usage: replay-model.ts <calls.jsonl> [fromMs] [toMs]');
const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as Line);
const start = 'take' in lines[0]! ? lines[0].take.now : 0;
const from = Number(fromArg ?? 0);
const to = Number(toArg ?? Infinity);
const first = lines[0];
const model = new QuotaModel(first !== undefined && 'take' in first ? first.defaults : undefined);
let diverged = 0;
for (const line of lines) {
  if ('take' in line) {
    const decision = model.take(line.take.now, line.take.cost);
    const at = line.take.now - start;
    const replayed = decision.ok ? decision.send.id : undefined;
    if (replayed !== line.take.sent) {
      diverged++;
      console.log(`${at} DIVERGED: the run ${line.take.sent === undefined ? 'refused' : `sent #${line.take.sent}`}, the replay ${replayed === undefined ? 'refuses' : `sends #${replayed}`}`);
    }
    if (decision.ok && at >= from && at <= to) console.log(`${at} send #${decision.send.id}`);
    continue;
  }
  const { send, observation } = line.report;
  model.observe(send, observation);
  const at = observation.now - start;
  if (at < from || at > to) continue;
  const policy = observation.parsed?.policies[0];
  const view = model.snapshot(observation.now);
  console.log(
    `${at} resp #${send.id} sent ${send.sentAt - start} ${observation.status ?? 'failed'} rem ${policy?.remaining ?? '-'}` +
      ` | model available ${view.remaining ?? '-'} W<=${view.windowMs?.toFixed(0) ?? '-'} in flight ${view.inFlight}`,
  );
}
if (diverged > 0) console.log(`${diverged} take decisions differ from the run's`);
