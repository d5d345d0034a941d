/**
 * Bounds that keep parsing cheap on hostile input: a 10 kB value or a 10,000-member list costs
 * no more than a well-formed header.
 */

/** Header values longer than this are ignored as garbage (no real rate-limit field comes close). */
export const MAX_VALUE_LENGTH = 4096;

/** At most this many comma-separated members of one value are considered. */
export const MAX_LIST_MEMBERS = 64;

/** At most this many policies are reported for one response. */
export const MAX_POLICIES = 64;

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Absolute resets further in the past than this are unknown (a stale or bogus clock). */
export const MAX_PAST_MS = DAY_MS;

/** Absolute resets (and deltas) further ahead than this are unknown (a unit mistake). */
export const MAX_FUTURE_MS = 400 * DAY_MS;
