/** The official `@anthropic-ai/sdk` package with our fetch, against a mock speaking Anthropic's headers (docs/fetch.md). */
import Anthropic from '@anthropic-ai/sdk';
import { expect, it } from 'vitest';
import { createQuotaFetch } from '../../src/index.ts';
import { anthropicMock } from './support/llm-mocks.ts';
import { settle, useMswWithFakeTime } from '../support/msw-fake-time.ts';

const server = useMswWithFakeTime();

const origin = 'https://api.anthropic.test';

it('spends requests, input, output and total tokens each against its own policy, with no 429', async () => {
  const mock = anthropicMock(origin, { requests: 50, 'input-tokens': 20_000, 'output-tokens': 8_000 });
  server.use(mock.handler);
  // docs/fetch.md, "Anthropic":
  const fetch = createQuotaFetch({ cost: 'anthropic' });
  const anthropic = new Anthropic({ apiKey: 'sk-ant-test', baseURL: origin, fetch });

  const start = Date.now();
  const calls = Array.from({ length: 30 }, (_, index) =>
    anthropic.messages.create({
      model: 'claude-test',
      max_tokens: 200 + ((index * 97) % 600),
      system: 'Answer briefly.',
      messages: [{ role: 'user', content: 'x'.repeat(1000 + ((index * 1733) % 8000)) }],
    }),
  );
  const replies = (await settle(Promise.all(calls), 100)) as Anthropic.Message[];
  expect(replies).toHaveLength(30);
  expect(replies.every((reply) => reply.content[0]?.type === 'text')).toBe(true);
  expect(mock.log.statuses.filter((status) => status !== 200)).toEqual([]);
  // Output tokens were the binding unit. Anthropic's resets are whole seconds, so the refill rate
  // is learned within a second's uncertainty and the pace stays a little under it.
  const minutes = (Date.now() - start) / 60_000;
  expect((mock.log.spent['output-tokens'] ?? 0) / minutes).toBeGreaterThan(0.75 * 8_000);
  const units = fetch.quota.store.snapshot(Date.now()).values().next().value?.policies.map((policy) => policy.unit);
  expect(new Set(units)).toEqual(new Set(['requests', 'tokens', 'input-tokens', 'output-tokens']));
  await fetch.quota.close();
});
