/** msw handlers that speak OpenAI's, Anthropic's and GitHub's rate-limit dialects, over the bench's limiter. */
import { http, HttpResponse, type HttpHandler } from 'msw';
import { anthropicHeaders, LlmLimiter, openaiHeaders, promptTokens } from '../../../bench/llm-limiter.ts';

export interface MockLog {
  /** Statuses in arrival order. */
  readonly statuses: number[];
  /** Tokens admitted, by unit. */
  readonly spent: Record<string, number>;
}

function texts(messages: unknown, system?: unknown): string[] {
  const out: string[] = typeof system === 'string' ? [system] : [];
  for (const message of Array.isArray(messages) ? (messages as Array<{ content?: unknown }>) : []) {
    if (typeof message.content === 'string') out.push(message.content);
    else if (Array.isArray(message.content)) for (const part of message.content as Array<{ text?: unknown }>) if (typeof part.text === 'string') out.push(part.text);
  }
  return out;
}

function record(log: MockLog, status: number, cost: Record<string, number>): void {
  log.statuses.push(status);
  if (status !== 200) return;
  for (const [unit, value] of Object.entries(cost)) log.spent[unit] = (log.spent[unit] ?? 0) + value;
}

/**
 * OpenAI's chat completions: `requests` and `tokens` buckets; a request's tokens are its prompt
 * estimate times `promptFactor` (the server may count differently from the client) plus `max_tokens`.
 */
export function openaiMock(origin: string, limits: { requests: number; tokens: number }, options: { windowMs?: number; promptFactor?: number } = {}) {
  const log: MockLog = { statuses: [], spent: {} };
  const limiter = new LlmLimiter(limits, options.windowMs ?? 60_000, Date.now());
  const handler: HttpHandler = http.post(`${origin}/v1/chat/completions`, async ({ request }) => {
    const body = (await request.json()) as { messages?: unknown; max_tokens?: number };
    const now = Date.now();
    const tokens = Math.ceil(promptTokens(texts(body.messages)) * (options.promptFactor ?? 1)) + (body.max_tokens ?? 0);
    const cost = { requests: 1, tokens };
    const admission = limiter.take(cost, now);
    const headers = openaiHeaders(limiter, now);
    if (!admission.ok) {
      record(log, 429, cost);
      const error = { error: { message: 'Rate limit reached', type: 'tokens', code: 'rate_limit_exceeded' } };
      return HttpResponse.json(error, { status: 429, headers: { ...headers, 'retry-after-ms': String(admission.retryAfterMs), 'retry-after': String(Math.ceil(admission.retryAfterMs / 1000)) } });
    }
    record(log, 200, cost);
    const message = { role: 'assistant', content: 'ok' };
    return HttpResponse.json(
      { id: `chatcmpl-${log.statuses.length}`, object: 'chat.completion', created: Math.floor(now / 1000), model: 'gpt-test', choices: [{ index: 0, message, finish_reason: 'stop' }] },
      { headers },
    );
  });
  return { handler, log, limiter };
}

const ANTHROPIC_UNITS = ['requests', 'tokens', 'input-tokens', 'output-tokens'] as const;

/** Anthropic's messages endpoint with its four buckets (`tokens` is input + output). */
export function anthropicMock(origin: string, limits: { requests: number; 'input-tokens': number; 'output-tokens': number }) {
  const log: MockLog = { statuses: [], spent: {} };
  const all = { ...limits, tokens: limits['input-tokens'] + limits['output-tokens'] };
  const limiter = new LlmLimiter(all, 60_000, Date.now());
  const handler: HttpHandler = http.post(`${origin}/v1/messages`, async ({ request }) => {
    const body = (await request.json()) as { messages?: unknown; system?: unknown; max_tokens?: number };
    const now = Date.now();
    const input = promptTokens(texts(body.messages, body.system));
    const output = body.max_tokens ?? 0;
    const cost = { requests: 1, 'input-tokens': input, 'output-tokens': output, tokens: input + output };
    const admission = limiter.take(cost, now);
    const headers = anthropicHeaders(limiter, now, ANTHROPIC_UNITS);
    if (!admission.ok) {
      record(log, 429, cost);
      const error = { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limited' } };
      return HttpResponse.json(error, { status: 429, headers: { ...headers, 'retry-after': String(Math.ceil(admission.retryAfterMs / 1000)) } });
    }
    record(log, 200, cost);
    const message = {
      id: `msg_${log.statuses.length}`,
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: [{ type: 'text', text: 'ok' }],
      stop_reason: 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: input, output_tokens: 1 },
    };
    return HttpResponse.json(message, { headers });
  });
  return { handler, log, limiter };
}

/** GitHub's REST API: a fixed window of `limit` requests per `windowMs`, `x-ratelimit-*` with epoch-second resets, 403 when spent. */
export function githubMock(origin: string, limit: number, windowMs: number) {
  const log: MockLog = { statuses: [], spent: {} };
  let windowStart = Date.now();
  let used = 0;
  const handler: HttpHandler = http.get(`${origin}/repos/:owner/:repo`, ({ params }) => {
    const now = Date.now();
    if (now >= windowStart + windowMs) {
      windowStart += Math.floor((now - windowStart) / windowMs) * windowMs;
      used = 0;
    }
    const reset = String(Math.ceil((windowStart + windowMs) / 1000));
    const allowed = used < limit;
    if (allowed) used += 1;
    const headers = { 'x-ratelimit-limit': String(limit), 'x-ratelimit-remaining': String(limit - used), 'x-ratelimit-used': String(used), 'x-ratelimit-reset': reset, 'x-ratelimit-resource': 'core' };
    record(log, allowed ? 200 : 403, { requests: 1 });
    if (!allowed) return HttpResponse.json({ message: 'API rate limit exceeded' }, { status: 403, headers });
    return HttpResponse.json({ id: 1, full_name: `${String(params['owner'])}/${String(params['repo'])}` }, { headers });
  });
  return { handler, log };
}
