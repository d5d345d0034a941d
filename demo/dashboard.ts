/**
 * `node demo/dashboard.ts`: serves the dashboard page and a rate-limited API from one loopback
 * origin. Open the printed URL in several tabs: each runs widgets that `api.poll()` at different
 * intervals (four shared by all tabs, two per tab) and shows each widget's effective interval, the
 * age of its data and where it came from, and charts its own rate, the rate of all tabs together,
 * the server's limit, which tab leads, and the 429s (zero).
 *
 *   node demo/dashboard.ts --limit=100 --port=8080 --dialect=x-ratelimit-epoch
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { startDashboardServer } from './dashboard/server.ts';

const { values } = parseArgs({
  options: {
    limit: { type: 'string', default: '100' },
    port: { type: 'string', default: '0' },
    dialect: { type: 'string', default: 'x-ratelimit-epoch' },
  },
});

const server = await startDashboardServer({
  limit: Number(values.limit),
  port: Number(values.port),
  dialect: values.dialect,
  html: readFileSync(new URL('./dashboard/index.html', import.meta.url), 'utf8'),
});
console.log(`ky-quota dashboard: ${server.url}\nOpen it in several tabs of one browser; they share one ${values.limit} req/s quota. Ctrl+C stops.`);
process.once('SIGINT', () => void server.close().then(() => process.exit(0)));
