/**
 * LLM bars for the fetch export (issue 8):
 *   1. the official `openai` package with `createQuotaFetch({ cost: 'openai' })` against a
 *      loopback server enforcing 60 requests/min AND 40,000 tokens/min in OpenAI's headers,
 *      200 chat requests of mixed sizes at once: 429s, tokens-per-minute utilization, settled;
 *   2. per-request overhead of the fetch export vs the ky client (stub fetch, medians of rounds).
 *
 *   npx node bench/llm.ts                       (a 6 s "minute": 60 requests and 40,000 tokens per 6 s)
 *   npx node bench/llm.ts --minute-ms=60000     (real minutes: about 5 minutes)
 *   npx node bench/llm.ts --requests=200 --overhead-requests=5000 --rounds=7 --skip-bar --skip-overhead
 */
import { parseArgs } from 'node:util';
import ky from 'ky';
import OpenAI from 'openai';
import { createClient, createQuotaFetch } from '../src/index.ts';
import { startLlmServer } from './llm-server.ts';

const { values } = parseArgs({
  options: {
    'minute-ms': { type: 'string', default: '6000' },
    requests: { type: 'string', default: '200' },
    'overhead-requests': { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '7' },
    'skip-bar': { type: 'boolean', default: false },
    'skip-overhead': { type: 'boolean', default: false },
  },
});
const MINUTE_MS = Number(values['minute-ms']);
const REQUESTS = Number(values.requests);
const OVERHEAD_REQUESTS = Number(values['overhead-requests']);
const ROUNDS = Number(values.rounds);
const RPM = 60;
const TPM = 40_000;

/** A small seeded PRNG (mulberry32): the same mix of sizes every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const percent = (value: number): string => `${(value * 100).toFixed(1)} %`;

async function bar(): Promise<boolean> {
  const server = await startLlmServer({ requestsPerMinute: RPM, tokensPerMinute: TPM, minuteMs: MINUTE_MS });
  const fetch = createQuotaFetch({ cost: 'openai' });
  const openai = new OpenAI({ apiKey: 'sk-bench', baseURL: `${server.url}/v1`, fetch });
  const next = random(8);
  // Mixed sizes: prompts of 100-6,000 characters (25-1,500 tokens), 50-1,000 output tokens.
  const calls = Array.from({ length: REQUESTS }, () => ({
    chars: 100 + Math.floor(next() * 5900),
    maxTokens: 50 + Math.floor(next() * 950),
  }));
  console.log(`\n1. openai SDK + createQuotaFetch vs a loopback server: ${RPM} requests AND ${TPM.toLocaleString('en')} tokens per "minute"`);
  if (MINUTE_MS !== 60_000) console.log(`   time scaled: one "minute" is ${MINUTE_MS} ms (${RPM} requests and ${TPM.toLocaleString('en')} tokens per ${MINUTE_MS / 1000} s)`);
  const started = performance.now();
  const results = await Promise.allSettled(
    calls.map(({ chars, maxTokens }) =>
      openai.chat.completions.create({ model: 'bench', max_tokens: maxTokens, messages: [{ role: 'user', content: 'x'.repeat(chars) }] }),
    ),
  );
  const wallMs = performance.now() - started;
  const stats = server.stats();
  await fetch.quota.close();
  await server.close();

  const fulfilled = results.filter((result) => result.status === 'fulfilled').length;
  const first = stats.admitted[0];
  const last = stats.admitted.at(-1);
  // Tokens per minute over the span of admissions; the last request's tokens start the next
  // interval, so they are left out (no credit for the fencepost).
  const spanMinutes = first && last ? (last.at - first.at) / MINUTE_MS : Number.NaN;
  const tokensPerMinute = (stats.tokens - (last?.tokens ?? 0)) / spanMinutes;
  const requestsPerMinute = (stats.ok - 1) / spanMinutes;
  const allowed = TPM + TPM * spanMinutes;
  console.log(`   requests settled: ${results.length}/${REQUESTS} (${fulfilled} fulfilled, ${results.length - fulfilled} rejected), wall ${(wallMs / 1000).toFixed(1)} s`);
  console.log(`   429s at the server: ${stats.limited}`);
  console.log(`   tokens admitted: ${stats.tokens.toLocaleString('en')} over ${spanMinutes.toFixed(2)} "minutes"`);
  console.log(`   tokens-per-minute utilization: ${percent(tokensPerMinute / TPM)} (${Math.round(tokensPerMinute).toLocaleString('en')} of ${TPM.toLocaleString('en')}/min)`);
  console.log(`   requests per minute: ${requestsPerMinute.toFixed(1)} of ${RPM}`);
  console.log(`   share of all the server would have allowed (a full first bucket + refill): ${percent(stats.tokens / allowed)}`);
  const pass = stats.limited === 0 && tokensPerMinute / TPM >= 0.9 && results.length === REQUESTS && fulfilled === REQUESTS;
  console.log(`   bar (0 429s, utilization >= 90 %, every request settles): ${pass ? 'PASS' : 'FAIL'}`);
  return pass;
}

const median = (samples: number[]): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

interface Subject {
  readonly name: string;
  send(): Promise<unknown>;
  close(): Promise<void>;
}

const BASE = 'http://stub.test/';
const open = { limit: 1_000_000_000, windowMs: 1000 };
const stubFetch = async (): Promise<Response> => new Response('{}');
const chatBody = JSON.stringify({ model: 'bench', max_tokens: 100, messages: [{ role: 'user', content: 'x'.repeat(2000) }] });

function subjects(): Subject[] {
  // Distinct URLs: identical GETs in flight at once would share one request (coalescing).
  let next = 0;
  const path = (): string => `x?i=${next++}`;
  const bareKy = ky.create({ baseUrl: BASE, fetch: stubFetch, retry: 0 });
  const api = createClient({ baseUrl: BASE, fetch: stubFetch, retry: 0, quota: open });
  const quotaFetch = createQuotaFetch({ quota: open, fetch: stubFetch });
  const estimating = createQuotaFetch({ quota: open, fetch: stubFetch, cost: 'openai' });
  return [
    { name: 'stub fetch (no quota)', send: async () => (await stubFetch()).json(), close: async () => undefined },
    { name: 'ky (no quota)', send: () => bareKy.get(path()).json(), close: async () => undefined },
    { name: 'ky-quota client', send: () => api.get(path()).json(), close: () => api.quota.close() },
    { name: 'createQuotaFetch', send: async () => (await quotaFetch(`${BASE}x`)).json(), close: () => quotaFetch.quota.close() },
    {
      name: "createQuotaFetch, cost: 'openai' (POST chat body)",
      send: async () => (await estimating(`${BASE}v1/chat/completions`, { method: 'POST', body: chatBody, headers: { 'content-type': 'application/json' } })).json(),
      close: () => estimating.quota.close(),
    },
  ];
}

async function overhead(): Promise<boolean> {
  console.log(`\n2. per-request overhead, stub fetch, ${OVERHEAD_REQUESTS} requests at once per round, median of ${ROUNDS} rounds`);
  const list = subjects();
  for (const subject of list) await Promise.all(Array.from({ length: Math.min(2000, OVERHEAD_REQUESTS) }, () => subject.send()));
  const samples = new Map<Subject, number[]>(list.map((subject) => [subject, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (let index = 0; index < list.length; index += 1) {
      // Rotate who goes first so drifting machine load hits all alike.
      const subject = list[(index + round) % list.length];
      if (subject === undefined) continue;
      const started = performance.now();
      await Promise.all(Array.from({ length: OVERHEAD_REQUESTS }, () => subject.send()));
      samples.get(subject)?.push(((performance.now() - started) * 1000) / OVERHEAD_REQUESTS);
    }
  }
  for (const subject of list) await subject.close();
  const micros = new Map(list.map((subject) => [subject.name, median(samples.get(subject) ?? [])]));
  for (const [name, value] of micros) console.log(`   ${name.padEnd(52)} ${value.toFixed(2).padStart(8)} µs/request`);
  const ratio = (micros.get('createQuotaFetch') ?? Number.NaN) / (micros.get('ky-quota client') ?? Number.NaN);
  const layer = (withQuota: string, without: string): number => (micros.get(withQuota) ?? Number.NaN) - (micros.get(without) ?? Number.NaN);
  console.log(
    `   the quota layer alone: ${layer('createQuotaFetch', 'stub fetch (no quota)').toFixed(2)} µs in the fetch export, ` +
      `${layer('ky-quota client', 'ky (no quota)').toFixed(2)} µs in the ky client`,
  );
  const pass = ratio <= 1.2;
  console.log(`   createQuotaFetch / ky-quota client: ${ratio.toFixed(2)}x (target <= 1.2x): ${pass ? 'PASS' : 'FAIL'}`);
  return pass;
}

let ok = true;
if (!values['skip-bar']) ok = (await bar()) && ok;
if (!values['skip-overhead']) ok = (await overhead()) && ok;
process.exitCode = ok ? 0 : 1;
