import type { PollerSettings } from './poller.ts';
import { defaultMaxShareBytes } from './shared-body.ts';
import type { PollInfo, PollOptions } from './types.ts';

/** The smallest `every` accepted, ms: below it a poller is a busy loop, not a poll. */
export const minimumEveryMs = 10;

const describe = (value: unknown): string => `\`${String(value)}\` (${typeof value})`;

/** A poller's settings with defaults, or a `TypeError`/`RangeError` naming the option. */
export function validatePollOptions<T>(url: string, options: PollOptions<T>, onData: (data: T, info: PollInfo) => void): PollerSettings<T> & { readonly share: boolean; readonly maxShareBytes: number } {
  if (typeof url !== 'string' || url === '') throw new TypeError(`Expected \`url\` to be a non-empty string, got ${describe(url)}`);
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected poll \`options\` to be an object, got ${describe(options)}`);
  if (typeof onData !== 'function') throw new TypeError(`Expected \`onData\` to be a function, got ${describe(onData)}`);
  const { every, hidden = 'slow', hiddenFactor = 4, share = true, maxShareBytes = defaultMaxShareBytes, onError } = options;
  if (typeof every !== 'number') throw new TypeError(`Expected \`every\` to be a number, got ${describe(every)}`);
  if (!Number.isFinite(every) || every < minimumEveryMs) throw new RangeError(`Expected \`every\` to be a finite number >= ${minimumEveryMs} (ms), got ${describe(every)}`);
  if (hidden !== 'slow' && hidden !== 'pause') throw new TypeError(`Expected \`hidden\` to be 'slow' or 'pause', got ${describe(hidden)}`);
  if (typeof hiddenFactor !== 'number' || !Number.isFinite(hiddenFactor) || hiddenFactor < 1) {
    throw new RangeError(`Expected \`hiddenFactor\` to be a finite number >= 1, got ${describe(hiddenFactor)}`);
  }
  if (typeof share !== 'boolean') throw new TypeError(`Expected \`share\` to be a boolean, got ${describe(share)}`);
  if (typeof maxShareBytes !== 'number' || Number.isNaN(maxShareBytes) || maxShareBytes < 0) {
    throw new RangeError(`Expected \`maxShareBytes\` to be a number >= 0, got ${describe(maxShareBytes)}`);
  }
  if (onError !== undefined && typeof onError !== 'function') throw new TypeError(`Expected \`onError\` to be a function, got ${describe(onError)}`);
  const parse = options.parse ?? ((response: Response) => response.json() as Promise<T>);
  if (typeof parse !== 'function') throw new TypeError(`Expected \`parse\` to be a function, got ${describe(parse)}`);
  return { url, everyMs: every, hidden, hiddenFactor, parse, onData, onError, share, maxShareBytes };
}
