/** p-queue configured with the documented limit: `intervalCap: limit, interval: window`. */
import PQueue from 'p-queue';
import { countFailure, emptyResult, sendOne } from './common.ts';
import type { ClientContext, ClientResult } from './types.ts';

export const name = 'p-queue';
export const toldLimit = true;

export async function run(context: ClientContext): Promise<ClientResult> {
  const result = emptyResult();
  const queue = new PQueue({ intervalCap: context.limit, interval: context.windowMs });
  const onAbort = (): void => queue.clear();
  context.signal.addEventListener('abort', onAbort, { once: true });
  const tasks = Array.from({ length: context.total }, () =>
    queue.add(() => sendOne(context, result), { signal: context.signal }).catch((error: unknown) => {
      countFailure(context, result, error);
    }),
  );
  try {
    await Promise.all(tasks);
  } finally {
    context.signal.removeEventListener('abort', onAbort);
  }
  return result;
}
