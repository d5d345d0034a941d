/**
 * A loopback LLM API for bench/llm.ts: node:http on 127.0.0.1, `POST /v1/chat/completions` only.
 * It enforces a requests AND a tokens per-minute limit (token buckets, as OpenAI does), reports
 * both in OpenAI's headers (`x-ratelimit-{limit,remaining,reset}-{requests,tokens}`, Go-duration
 * resets), counts a request's tokens as its prompt estimate (message characters / 4) plus
 * `max_tokens`, and answers 429 with `retry-after` / `retry-after-ms` when either is short.
 * The "minute" may be scaled (`minuteMs`) to keep runs short; every duration scales with it.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LlmLimiter, openaiHeaders, promptTokens } from './llm-limiter.ts';

export interface LlmServerOptions {
  readonly requestsPerMinute: number;
  readonly tokensPerMinute: number;
  /** How long a "minute" lasts, ms. @default 60_000 */
  readonly minuteMs?: number;
  /** Uniform time to answer, ms (the model "generating"). @default [20, 60] */
  readonly latency?: readonly [min: number, max: number];
}

export interface LlmServerStats {
  readonly ok: number;
  readonly limited: number;
  /** Tokens admitted. */
  readonly tokens: number;
  /** Arrival time and tokens of every admitted request, in order. */
  readonly admitted: ReadonlyArray<{ readonly at: number; readonly tokens: number }>;
}

export interface LlmServer {
  readonly url: string;
  stats(): LlmServerStats;
  close(): Promise<void>;
}

function textsOf(messages: unknown): string[] {
  const texts: string[] = [];
  for (const message of Array.isArray(messages) ? (messages as Array<{ content?: unknown }>) : []) {
    if (typeof message.content === 'string') texts.push(message.content);
  }
  return texts;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startLlmServer(options: LlmServerOptions): Promise<LlmServer> {
  const minuteMs = options.minuteMs ?? 60_000;
  const [minLatency, maxLatency] = options.latency ?? [20, 60];
  const limiter = new LlmLimiter({ requests: options.requestsPerMinute, tokens: options.tokensPerMinute }, minuteMs, performance.now());
  const admitted: Array<{ at: number; tokens: number }> = [];
  let ok = 0;
  let limited = 0;
  let tokens = 0;

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    if (request.method !== 'POST' || !request.url?.endsWith('/chat/completions')) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found"}}');
      return;
    }
    const body = JSON.parse(await readBody(request)) as { messages?: unknown; max_tokens?: number; max_completion_tokens?: number };
    const now = performance.now();
    const cost = { requests: 1, tokens: promptTokens(textsOf(body.messages)) + (body.max_completion_tokens ?? body.max_tokens ?? 0) };
    const admission = limiter.take(cost, now);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...openaiHeaders(limiter, now) };
    if (!admission.ok) {
      limited += 1;
      headers['retry-after-ms'] = String(admission.retryAfterMs);
      headers['retry-after'] = String(Math.ceil(admission.retryAfterMs / 1000));
      response.writeHead(429, headers).end(JSON.stringify({ error: { message: 'Rate limit reached', type: 'requests_or_tokens', code: 'rate_limit_exceeded' } }));
      return;
    }
    ok += 1;
    tokens += cost.tokens;
    admitted.push({ at: now, tokens: cost.tokens });
    await new Promise((resolve) => setTimeout(resolve, minLatency + Math.random() * (maxLatency - minLatency)));
    const completion = {
      id: `chatcmpl-${ok}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: 'bench',
      choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }],
    };
    response.writeHead(200, headers).end(JSON.stringify(completion));
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stats: () => ({ ok, limited, tokens, admitted: [...admitted] }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
