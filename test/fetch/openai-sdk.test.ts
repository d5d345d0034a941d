/** The official `openai` package with our fetch, against a mock speaking OpenAI's headers (docs/fetch.md). */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createQuotaFetch, isCostExceedsLimitError } from '../../src/index.ts';
import { openaiMock } from './support/llm-mocks.ts';
import { settle, useMswWithFakeTime } from '../support/msw-fake-time.ts';

const server = useMswWithFakeTime();

const origin = 'https://api.openai.test';

function chat(openai: OpenAI, promptChars: number, maxTokens: number) {
  return openai.chat.completions.create({ model: 'gpt-test', max_tokens: maxTokens, messages: [{ role: 'user', content: 'x'.repeat(promptChars) }] });
}

describe('openai SDK with createQuotaFetch', () => {
  it('sends mixed-size chats within requests AND tokens per minute, with no 429', async () => {
    const mock = openaiMock(origin, { requests: 60, tokens: 40_000 });
    server.use(mock.handler);
    // docs/fetch.md, "OpenAI":
    const fetch = createQuotaFetch({ cost: 'openai' });
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${origin}/v1`, fetch });

    const sizes = Array.from({ length: 40 }, (_, index) => [400 + ((index * 977) % 6000), 200 + ((index * 331) % 1500)] as const);
    const start = Date.now();
    const replies = (await settle(Promise.all(sizes.map(([chars, max]) => chat(openai, chars, max))), 100)) as OpenAI.ChatCompletion[];
    expect(replies).toHaveLength(40);
    expect(replies.every((reply) => reply.choices[0]?.message.content === 'ok')).toBe(true);
    expect(mock.log.statuses.filter((status) => status === 429)).toEqual([]);
    // The tokens bucket was the binding one: about 40,000 tokens a minute went through.
    const tokens = mock.log.spent['tokens'] ?? 0;
    const minutes = (Date.now() - start) / 60_000;
    expect(tokens / minutes).toBeGreaterThan(0.9 * 40_000);
    const policies = fetch.quota.snapshot()[0];
    expect(policies).toMatchObject({ source: 'server' });
    await fetch.quota.close();
  });

  it('lets the SDK retry a 429 itself: the retry is gated until the pause ends, and succeeds', async () => {
    const mock = openaiMock(origin, { requests: 60, tokens: 40_000 });
    let refuse = 1;
    server.use(mock.handler);
    const fetch = createQuotaFetch({
      cost: 'openai',
      fetch: async (input, init) => {
        if (refuse-- > 0) return new Response('{"error":{"message":"busy"}}', { status: 429, headers: { 'retry-after-ms': '200', 'content-type': 'application/json' } });
        return globalThis.fetch(input, init);
      },
    });
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${origin}/v1`, fetch });
    const limited = fetch.quota.onLimited();
    const start = Date.now();
    const reply = (await settle(chat(openai, 100, 10))) as OpenAI.ChatCompletion;
    expect(reply.choices[0]?.message.content).toBe('ok');
    expect(await limited).toMatchObject({ status: 429 });
    // The SDK asked to wait 200 ms; the bucket held its retry for a 429's floor of 1 s.
    expect(Date.now() - start).toBeGreaterThanOrEqual(1000);
    expect(mock.log.statuses).toEqual([200]);
    await fetch.quota.close();
  });

  it("surfaces the SDK's own RateLimitError for a long Retry-After (fetch returns the 429)", async () => {
    server.use(openaiMock(origin, { requests: 60, tokens: 40_000 }).handler);
    const fetch = createQuotaFetch({
      cost: 'openai',
      fetch: async () => new Response('{"error":{"message":"quota"}}', { status: 429, headers: { 'retry-after': '3600', 'content-type': 'application/json' } }),
    });
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${origin}/v1`, fetch, maxRetries: 0 });
    const error = await settle(chat(openai, 100, 10));
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
    await fetch.quota.close();
  });

  it('fails a request larger than the whole tokens limit at once (the SDK wraps it as a connection error)', async () => {
    const mock = openaiMock(origin, { requests: 60, tokens: 40_000 });
    server.use(mock.handler);
    const fetch = createQuotaFetch({ cost: 'openai' });
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${origin}/v1`, fetch, maxRetries: 0 });
    await settle(chat(openai, 100, 10));
    const error = await settle(chat(openai, 100, 50_000));
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);
    const cause = (error as Error).cause;
    expect(isCostExceedsLimitError(cause)).toBe(true);
    expect(cause).toMatchObject({ unit: 'tokens', limit: 40_000 });
    expect(mock.log.statuses).toEqual([200]);
    await fetch.quota.close();
  });

  it.each([
    ['low (the server counts prompts 10 % higher)', 1.1],
    ['high (the server counts prompts at half)', 0.5],
  ])('re-syncs to the tokens the server counts when the estimate is %s, and every call settles', async (_label, promptFactor) => {
    const mock = openaiMock(origin, { requests: 60, tokens: 20_000 }, { promptFactor });
    server.use(mock.handler);
    const fetch = createQuotaFetch({ cost: 'openai' });
    const openai = new OpenAI({ apiKey: 'sk-test', baseURL: `${origin}/v1`, fetch });
    const replies = (await settle(Promise.all(Array.from({ length: 20 }, () => chat(openai, 4000, 500))), 100)) as unknown[];
    expect(replies).toHaveLength(20);
    expect(mock.log.statuses.filter((status) => status === 200)).toHaveLength(20);
    expect(mock.log.statuses.filter((status) => status === 429).length).toBeLessThanOrEqual(promptFactor > 1 ? 3 : 0);
    await fetch.quota.close();
  });
});
