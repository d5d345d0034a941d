/**
 * Reads the names of the `X-RateLimit-*` / `X-Rate-Limit-*` families: the base form
 * (`x-ratelimit-remaining`), the suffixed form (`x-ratelimit-remaining-tokens`, Kong's
 * `x-ratelimit-remaining-minute`), the prefixed form (Linear's `x-ratelimit-requests-remaining`),
 * Zendesk's bare `x-rate-limit` (the limit) and Twitter's `x-app-limit-24hour-*` families.
 */

import { DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS } from '../limits.ts';

/** The per-policy fields of the families; other names (`-global`, `-scope`, `-next`) are not policy fields. */
export type XField = 'limit' | 'remaining' | 'reset' | 'reset-after' | 'used' | 'resource' | 'bucket' | 'policy';

/** Longest first, so `reset-after` is not read as `reset` with the suffix `after`. */
const FIELDS: readonly XField[] = ['reset-after', 'remaining', 'resource', 'bucket', 'policy', 'limit', 'reset', 'used'];
const NOT_POLICY_FIELDS = ['retry-after', 'global', 'scope', 'nearlimit', 'next', 'reason'];

export interface XHeaderName {
  /** `x-ratelimit` or `x-rate-limit` (Twitter's app/user families count as `x-rate-limit`). */
  readonly family: 'x-ratelimit' | 'x-rate-limit';
  readonly field: XField;
  /** The policy's distinguishing part (`''` for the base family): `tokens`, `minute`, `requests`, `app-24hour`. */
  readonly group: string;
  /** Where the group sat: after the field (`limit-tokens`) or before it (`requests-limit`). */
  readonly form: 'base' | 'suffix' | 'prefix';
}

const FAMILY = /^x-(ratelimit|rate-limit)(?:-(.+))?$/;
const TWITTER_FAMILY = /^x-(app|user)-limit-(.+)-(limit|remaining|reset)$/;

/** Parses a lowercased header name; `undefined` when it is not a policy field of these families. */
export function parseXHeaderName(name: string): XHeaderName | undefined {
  const twitter = TWITTER_FAMILY.exec(name);
  if (twitter) {
    return { family: 'x-rate-limit', field: twitter[3] as XField, group: `${twitter[1] ?? ''}-${twitter[2] ?? ''}`, form: 'prefix' };
  }
  const match = FAMILY.exec(name);
  if (!match) return undefined;
  const family = match[1] === 'ratelimit' ? 'x-ratelimit' : 'x-rate-limit';
  const rest = match[2];
  if (rest === undefined) return { family, field: 'limit', group: '', form: 'base' };
  if (NOT_POLICY_FIELDS.includes(rest)) return undefined;
  for (const field of FIELDS) {
    if (rest === field) return { family, field, group: '', form: 'base' };
    if (rest.startsWith(`${field}-`)) return { family, field, group: rest.slice(field.length + 1), form: 'suffix' };
  }
  for (const field of FIELDS) {
    if (rest.endsWith(`-${field}`)) return { family, field, group: rest.slice(0, -field.length - 1), form: 'prefix' };
  }
  return undefined;
}

const WINDOW_UNITS: Readonly<Record<string, number | undefined>> = {
  second: SECOND_MS,
  sec: SECOND_MS,
  minute: MINUTE_MS,
  min: MINUTE_MS,
  hour: HOUR_MS,
  day: DAY_MS,
  week: 7 * DAY_MS,
  // Calendar windows have no fixed length: named, but no window is invented for them.
  month: undefined,
  year: undefined,
};

/** A group that names a time window: Kong's `minute`, `videos-minute`, Twitter's `app-24hour`. */
export interface WindowGroup {
  /** What is counted, when the group says (`videos`, `app`). */
  readonly prefix: string | undefined;
  readonly windowMs: number | undefined;
}

/** Reads a time-window group (`minute`, `24hour`, `videos-minute`); `undefined` when it is not one. */
export function parseWindowGroup(group: string): WindowGroup | undefined {
  const match = /^(?:(.+)-)?(\d{1,4})?(second|sec|minute|min|hour|day|week|month|year)s?$/.exec(group);
  if (!match) return undefined;
  const unitMs = WINDOW_UNITS[match[3] ?? ''];
  const count = match[2] === undefined ? 1 : Number(match[2]);
  return { prefix: match[1], windowMs: unitMs === undefined || count === 0 ? undefined : count * unitMs };
}
