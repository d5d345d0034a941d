/** `@octokit/core` with our fetch, against a mock speaking GitHub's `x-ratelimit-*` headers (docs/fetch.md). */
import { Octokit } from '@octokit/core';
import { expect, it } from 'vitest';
import { createClient, createQuotaFetch } from '../../src/index.ts';
import { githubMock } from './support/llm-mocks.ts';
import { settle, useMswWithFakeTime } from '../support/msw-fake-time.ts';

const server = useMswWithFakeTime();

const origin = 'https://api.github.test';

it('waits for the window instead of hitting 403s, and shares the bucket with a ky client', async () => {
  const mock = githubMock(origin, 5, 60_000);
  server.use(mock.handler);
  // docs/fetch.md, "Octokit":
  const api = createClient({ baseUrl: `${origin}/`, headers: { authorization: 'token ghp_test' } });
  const octokit = new Octokit({ baseUrl: origin, auth: 'ghp_test', request: { fetch: createQuotaFetch({ quota: api.quota }) } });

  await settle(api.get('repos/sindresorhus/ky').json());
  const start = Date.now();
  const repos = Array.from({ length: 7 }, (_, index) => octokit.request('GET /repos/{owner}/{repo}', { owner: 'octo', repo: `r${index}` }));
  const replies = (await settle(Promise.all(repos), 100)) as Array<{ status: number; data: { full_name: string } }>;
  expect(replies.map((reply) => reply.status)).toEqual(Array.from({ length: 7 }, () => 200));
  expect(mock.log.statuses).toHaveLength(8);
  expect(mock.log.statuses.every((status) => status === 200)).toBe(true);
  // ky spent one of the 5, octokit four; the other three waited for the next window.
  expect(Date.now() - start).toBeGreaterThanOrEqual(55_000);
  expect(api.quota.snapshot()).toHaveLength(1);
  await api.quota.close();
});
