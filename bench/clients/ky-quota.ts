/** ky-quota, told nothing about the limit: it learns it from the response headers. */
import { isHTTPError } from 'ky';
import { createClient } from '../../src/index.ts';
import { countFailure, emptyResult } from './common.ts';
import type { ClientContext, ClientResult } from './types.ts';

export const name = 'ky-quota';
export const toldLimit = false;

export async function run(context: ClientContext): Promise<ClientResult> {
  const result = emptyResult();
  const api = createClient({ baseUrl: context.url, quota: {} });
  const countStatus = ({ response }: { response: Response }): void => {
    if (response.status === 429) result.rejected429 += 1;
  };
  try {
    await Promise.all(
      Array.from({ length: context.total }, async (_, index) => {
        try {
          // A bulk job: distinct URLs (identical GETs in flight at once would share one request).
          await api.get(`x?i=${index}`, { signal: context.signal, hooks: { afterResponse: [countStatus] } }).json();
          result.ok += 1;
        } catch (error) {
          if (isHTTPError(error) && error.response.status === 429 && !context.signal.aborted) return;
          countFailure(context, result, error);
        }
      }),
    );
    result.extra = { snapshot: api.quota.snapshot() };
  } finally {
    await api.quota.close();
  }
  return result;
}
