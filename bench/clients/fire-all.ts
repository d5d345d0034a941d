/** Fire everything at once: no pacing at all; bounded only by the run's end. */
import { emptyResult, sendOne } from './common.ts';
import type { ClientContext, ClientResult } from './types.ts';

export const name = 'fire-all';
export const toldLimit = false;

export async function run(context: ClientContext): Promise<ClientResult> {
  const result = emptyResult();
  await Promise.all(Array.from({ length: context.total }, () => sendOne(context, result)));
  return result;
}
