/** Bottleneck configured with the documented limit: a reservoir of `limit`, refreshed every window. */
import Bottleneck from 'bottleneck';
import { countFailure, emptyResult, sendOne } from './common.ts';
import type { ClientContext, ClientResult } from './types.ts';

export const name = 'bottleneck';
export const toldLimit = true;

export async function run(context: ClientContext): Promise<ClientResult> {
  const result = emptyResult();
  const limiter = new Bottleneck({
    reservoir: context.limit,
    reservoirRefreshAmount: context.limit,
    reservoirRefreshInterval: context.windowMs,
  });
  const onAbort = (): void => {
    limiter.stop({ dropWaitingJobs: true }).catch(() => undefined);
  };
  context.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(
      Array.from({ length: context.total }, () =>
        limiter.schedule(() => sendOne(context, result)).catch((error: unknown) => {
          countFailure(context, result, error);
        }),
      ),
    );
  } finally {
    context.signal.removeEventListener('abort', onAbort);
    // Stops the reservoir refresh interval so the process can exit.
    await limiter.disconnect(false);
  }
  return result;
}
