/**
 * `npm run demo`: a bulk job of 1,000 requests against an embedded rate-limited API, told nothing
 * about the limit. A progress bar shows the rate, the quota left and the 429s; a summary ends it.
 *
 *   npm run demo -- --requests=1000 --limit=100 --window=1000 --algorithm=sliding --dialect=x-ratelimit-epoch
 */
import { parseArgs } from 'node:util';
import { startReferenceServer } from '../bench/server/http-server.ts';
import { dialectNames, isDialect } from '../bench/server/dialects.ts';
import type { Algorithm } from '../bench/server/limiters.ts';
import { createClient } from '../src/index.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '1000' },
    limit: { type: 'string', default: '100' },
    window: { type: 'string', default: '1000' },
    algorithm: { type: 'string', default: 'sliding' },
    dialect: { type: 'string', default: 'x-ratelimit-epoch' },
  },
});
const total = Number(values.requests);
const limit = Number(values.limit);
const windowMs = Number(values.window);
const algorithm = values.algorithm as Algorithm;
const dialect = values.dialect;
if (!isDialect(dialect)) throw new TypeError(`--dialect must be one of ${dialectNames.join(', ')}`);
if (!['fixed', 'sliding', 'bucket'].includes(algorithm)) throw new TypeError('--algorithm must be fixed, sliding or bucket');

const server = await startReferenceServer({ algorithm, limit, windowMs, dialect });
const api = createClient({ baseUrl: `${server.url}/`, retry: { limit: 5 } });
let limited = 0;
api.quota.on('limited', () => limited++);

console.log(`ky-quota demo: ${total} requests to ${server.url} (${algorithm} window, ${limit} per ${windowMs} ms, ${dialect} headers). The client is not told the limit.\n`);

const started = performance.now();
let done = 0;
let failed = 0;
const jobs = Array.from({ length: total }, (_, index) =>
  api
    .get(`items/${index}`)
    .json()
    .then(
      () => done++,
      () => failed++,
    ),
);

const isTty = process.stdout.isTTY === true;
const width = 30;
function draw(final = false): void {
  const elapsed = (performance.now() - started) / 1000;
  const finished = done + failed;
  const filled = Math.round((finished / total) * width);
  const [bucket] = api.quota.snapshot();
  const quota = bucket?.limit === undefined ? 'learning' : `${Math.max(0, Math.floor(bucket.remaining ?? 0))}/${bucket.limit}`;
  const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(finished).padStart(String(total).length)}/${total}  ${(finished / Math.max(elapsed, 0.001)).toFixed(1).padStart(6)} req/s  quota left ${quota.padEnd(9)}  429s ${server.stats().rejected}`;
  if (isTty) process.stdout.write(`\r${line}${final ? '\n' : ''}`);
  else if (final || Math.round(elapsed * 5) % 5 === 0) console.log(line);
}
const timer = setInterval(draw, 200);
await Promise.all(jobs);
clearInterval(timer);
draw(true);

const elapsed = (performance.now() - started) / 1000;
const stats = server.stats();
const allowed = (limit * elapsed * 1000) / windowMs;
console.log(
  `\n${done} ok, ${failed} failed in ${elapsed.toFixed(2)} s: ${(done / elapsed).toFixed(1)} req/s against a limit of ${((limit * 1000) / windowMs).toFixed(1)}/s ` +
    `(${((stats.accepted / allowed) * 100).toFixed(1)} % of the quota), ${stats.rejected} 429s, ${limited} limited events, busiest window ${stats.maxAcceptedPerWindow}/${limit}.`,
);
await api.quota.close();
await server.close();
