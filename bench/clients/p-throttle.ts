/** p-throttle configured with the documented limit: `limit, interval`. */
import pThrottle from 'p-throttle';
import { countFailure, emptyResult, sendOne } from './common.ts';
import type { ClientContext, ClientResult } from './types.ts';

export const name = 'p-throttle';
export const toldLimit = true;

export async function run(context: ClientContext): Promise<ClientResult> {
  const result = emptyResult();
  const throttle = pThrottle({ limit: context.limit, interval: context.windowMs, signal: context.signal });
  const send = throttle(() => sendOne(context, result));
  await Promise.all(
    Array.from({ length: context.total }, () =>
      send().catch((error: unknown) => {
        countFailure(context, result, error);
      }),
    ),
  );
  return result;
}
