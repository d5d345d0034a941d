/** The common blog recipe: Semaphore(3), and sleep(1 s) after each request while holding it. */
import { emptyResult, sendOne, sleep } from './common.ts';
import type { ClientContext, ClientResult } from './types.ts';

export const name = 'semaphore-sleep';
export const toldLimit = false;

export async function run(context: ClientContext): Promise<ClientResult> {
  const result = emptyResult();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < context.total && !context.signal.aborted) {
      next += 1;
      await sendOne(context, result);
      await sleep(1000, context.signal);
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  return result;
}
