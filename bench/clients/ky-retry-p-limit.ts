/** ky with its own retry on 429 (Retry-After honoured) behind p-limit(10). */
import ky, { isHTTPError } from 'ky';
import pLimit from 'p-limit';
import { countFailure, emptyResult } from './common.ts';
import type { ClientContext, ClientResult } from './types.ts';

export const name = 'ky-retry-p-limit';
export const toldLimit = false;

export async function run(context: ClientContext): Promise<ClientResult> {
  const result = emptyResult();
  const api = ky.create({
    baseUrl: context.url,
    fetch: context.fetch,
    retry: { limit: 2, statusCodes: [429], afterStatusCodes: [429] },
    hooks: {
      afterResponse: [
        ({ response }) => {
          if (response.status === 429) result.rejected429 += 1;
        },
      ],
    },
  });
  const limit = pLimit({ concurrency: 10, rejectOnClear: true });
  const onAbort = (): void => limit.clearQueue();
  context.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(
      Array.from({ length: context.total }, () =>
        limit(async () => {
          await api.get('x', { signal: context.signal }).json();
          result.ok += 1;
        }).catch((error: unknown) => {
          // A 429 that ran out of retries is already counted by the hook.
          if (isHTTPError(error) && error.response.status === 429 && !context.signal.aborted) return;
          countFailure(context, result, error);
        }),
      ),
    );
  } finally {
    context.signal.removeEventListener('abort', onAbort);
  }
  return result;
}
