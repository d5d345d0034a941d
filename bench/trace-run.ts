/**
 * One traced ky-quota run against the reference server, for tuning the model: every take
 * decision (through a store wrapper), server admissions per 250 ms, and the final snapshot.
 *
 *   node bench/trace-run.ts [dialect=x-ratelimit-epoch] [algorithm=sliding] [windowMs=1000] [limit=100]
 *   DROP_AT=2500 [DROP_TO=25] node bench/trace-run.ts ...   (the limit changes at DROP_AT ms)
 *   RECORD=calls.jsonl node bench/trace-run.ts ...         (every take and report, for bench/replay-model.ts)
 *   DURATION=1500 node bench/trace-run.ts ...               (run length in ms; default max(5 s, three windows))
 *   JOBS=1500 node bench/trace-run.ts ...                   (requests queued at once, as the bench; default what the run allows + 200)
 */
import { writeFileSync } from 'node:fs';
import { startReferenceServer } from './server/http-server.ts';
import { isDialect } from './server/dialects.ts';
import type { Algorithm } from './server/limiters.ts';
import { createClient, MemoryQuotaStore, type QuotaStore, type TakeRequest, type TakeResult } from '../src/index.ts';
import type { Grant } from '../src/store/quota-store.ts';
import type { Observation, ObserveResult } from '../src/bucket/types.ts';

/** TRACE=1 prints every grant and response (relative ms) after the summary. */
const verbose = process.env['TRACE'] !== undefined;

const [dialect = 'x-ratelimit-epoch', algorithm = 'sliding', windowArg = '1000', limitArg = '100'] = process.argv.slice(2);
if (!isDialect(dialect)) throw new TypeError(`unknown dialect ${dialect}`);
const windowMs = Number(windowArg);
const limit = Number(limitArg);
const durationMs = Number(process.env['DURATION'] ?? Math.max(5000, windowMs * 3));
const server = await startReferenceServer({ algorithm: algorithm as Algorithm, limit, windowMs, dialect, ...(process.env['DROP_AT'] ? { schedule: [{ atMs: Number(process.env['DROP_AT']), limit: Number(process.env['DROP_TO'] ?? 25) }] } : {}) });

const decisions: { at: number; decision: TakeResult }[] = [];
/** RECORD=<file> writes every call into the model (takes and reports) as JSON lines for `bench/replay-model.ts`. */
const recorded: string[] = [];
const record = process.env['RECORD'] === undefined ? undefined : (line: object): void => void recorded.push(JSON.stringify(line));
class TracingStore extends MemoryQuotaStore implements QuotaStore {
  override take(request: TakeRequest): TakeResult {
    const decision = super.take(request);
    record?.({ take: { now: request.now, cost: request.cost, sent: decision.ok ? decision.send.id : undefined }, ...(decisions.length === 0 ? { defaults: request.defaults } : {}) });
    decisions.push({ at: request.now, decision });
    if (verbose && decision.ok) events.push(`${request.now - start} send #${decision.send.id}`);
    return decision;
  }

  override report(grant: Grant, observation: Observation): ObserveResult {
    // (Recorded first: the report wakes waiters, whose takes are recorded inside super.report.)
    record?.({ report: { send: grant.send, observation } });
    const result = super.report(grant, observation);
    if (verbose) {
      const policy = observation.parsed?.policies[0];
      const view = this.snapshot(observation.now).get(grant.bucket);
      events.push(
        `${observation.now - start} resp #${grant.send.id} ${observation.status} rem ${policy?.remaining} reset +${policy?.resetAt === undefined ? '' : policy.resetAt - observation.now}` +
          ` | model rem ${view?.remaining} W ${view?.windowMs?.toFixed(0)} inflight ${view?.inFlight}`,
      );
    }
    return result;
  }
}
const events: string[] = [];

let start = Date.now();
const api = createClient({ baseUrl: `${server.url}/`, quota: { store: new TracingStore() } });
const controller = new AbortController();
start = Date.now();
const jobs = Array.from({ length: Number(process.env['JOBS'] ?? Math.ceil((limit * durationMs) / windowMs) + 200) }, (_, index) =>
  api.get(`x?i=${index}`, { signal: controller.signal }).json().catch(() => undefined),
);
setTimeout(() => controller.abort(), durationMs);
await Promise.all(jobs);

const stats = server.stats();
const byReason: Record<string, number> = {};
for (const { decision } of decisions) {
  const key = decision.ok ? 'granted' : decision.reason;
  byReason[key] = (byReason[key] ?? 0) + 1;
}
const perQuarter: number[] = [];
for (const at of stats.acceptedAt) {
  const index = Math.floor((at - start) / 250);
  perQuarter[index] = (perQuarter[index] ?? 0) + 1;
}
const allowed = (limit * durationMs) / windowMs;
console.log(`${dialect} ${algorithm} ${windowMs} ms: ${stats.accepted} ok / ${stats.rejected} 429 (${((stats.accepted / allowed) * 100).toFixed(1)} %), decisions ${JSON.stringify(byReason)}`);
console.log(`first accepted at ${(stats.acceptedAt[0] ?? start) - start} ms; per 250 ms: ${Array.from(perQuarter, (n) => n ?? 0).join(' ')}`);
console.log(JSON.stringify(api.quota.snapshot()));
if (verbose) console.log(events.join('\n'));
await api.quota.close();
await server.close();
if (record !== undefined) writeFileSync(process.env['RECORD'] ?? '', `${recorded.join('\n')}\n`);
