/**
 * Date formats rate-limit headers carry: HTTP-dates (RFC 9110 §5.6.7: IMF-fixdate, rfc850 and
 * asctime, all three MUST be accepted), ISO 8601 / RFC 3339 timestamps (Mastodon's microseconds,
 * Atlassian's minute precision), and, as a last resort, whatever the engine's `Date.parse` reads
 * (lemlist sends JavaScript's `Date.toString()`). Parsed by hand where the format is known, because
 * `Date.parse` reads asctime in the local time zone and varies between engines.
 */

import { MAX_LIST_MEMBERS } from './limits.ts';

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const WEEKDAY = '(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*';

const IMF_FIXDATE = new RegExp(
  `^${WEEKDAY},\\s*(\\d{1,2})[\\s-]+([a-z]{3})[\\s-]+(\\d{4})\\s+(\\d{2}):(\\d{2}):(\\d{2})\\s*(?:gmt|utc|ut|z|[+-]0000)?$`,
  'i',
);
const RFC850 = new RegExp(`^${WEEKDAY},\\s*(\\d{1,2})-([a-z]{3})-(\\d{2})\\s+(\\d{2}):(\\d{2}):(\\d{2})\\s*(?:gmt)?$`, 'i');
const ASCTIME = new RegExp(`^${WEEKDAY}\\s+([a-z]{3})\\s+(\\d{1,2})\\s+(\\d{2}):(\\d{2}):(\\d{2})\\s+(\\d{4})$`, 'i');
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[tT ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*([zZ]|[+-]\d{2}(?::?\d{2})?)?$/;

/** Where a comma-joined list of HTTP-dates splits: only before a weekday, since each date has a comma. */
const DATE_LIST_SEPARATOR = new RegExp(`,\\s*(?=${WEEKDAY}[,\\s])`, 'i');

/** Whether the value looks like it holds HTTP-dates (so commas inside it are not separators). */
export function looksLikeHttpDate(raw: string): boolean {
  return new RegExp(`^\\s*${WEEKDAY}[,\\s]`, 'i').test(raw);
}

/** Splits a comma-joined value into members, keeping HTTP-dates whole. */
export function splitDateAwareList(raw: string): string[] {
  const parts = looksLikeHttpDate(raw) ? raw.split(DATE_LIST_SEPARATOR, MAX_LIST_MEMBERS) : raw.split(',', MAX_LIST_MEMBERS);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

function utc(year: number, month: number, day: number, hour: number, minute: number, second: number): number | undefined {
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return undefined;
  const time = Date.UTC(year, month, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls Feb 31 over into March: reject days the month does not have.
  return new Date(time).getUTCDate() === day ? time : undefined;
}

function monthIndex(name: string | undefined): number {
  return MONTHS.indexOf((name ?? '').toLowerCase());
}

/**
 * Parses an HTTP-date in any of its three forms; `referenceNow` resolves rfc850's two-digit year
 * (a year more than 50 years ahead is read as the most recent past year with those digits).
 */
export function parseHttpDate(raw: string, referenceNow: number): number | undefined {
  const text = raw.trim();
  if (text.length > 64) return undefined;
  let match = IMF_FIXDATE.exec(text);
  if (match) {
    return utc(Number(match[3]), monthIndex(match[2]), Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]));
  }
  match = RFC850.exec(text);
  if (match) {
    const currentYear = new Date(Number.isFinite(referenceNow) ? referenceNow : 0).getUTCFullYear();
    let year = Math.floor(currentYear / 100) * 100 + Number(match[3]);
    if (year > currentYear + 50) year -= 100;
    return utc(year, monthIndex(match[2]), Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]));
  }
  match = ASCTIME.exec(text);
  if (match) {
    return utc(Number(match[6]), monthIndex(match[1]), Number(match[2]), Number(match[3]), Number(match[4]), Number(match[5]));
  }
  return undefined;
}

/** A parsed ISO 8601 instant and how precisely it was written (minutes, seconds, fractions). */
export interface IsoReading {
  readonly time: number;
  readonly precisionMs: number;
}

/** Parses an ISO 8601 / RFC 3339 timestamp; a missing zone is read as UTC. */
export function parseIsoDate(raw: string): IsoReading | undefined {
  const text = raw.trim();
  if (text.length > 64) return undefined;
  const match = ISO_8601.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const base = utc(Number(year), Number(month) - 1, Number(day), Number(hour ?? 0), Number(minute ?? 0), Number(second ?? 0));
  if (base === undefined) return undefined;
  let offsetMinutes = 0;
  if (zone !== undefined && zone.toLowerCase() !== 'z') {
    const digits = zone.replace(':', '');
    const hours = Number(digits.slice(1, 3));
    const minutes = Number(digits.slice(3, 5) || '0');
    if (hours > 23 || minutes > 59) return undefined;
    offsetMinutes = (digits.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
  }
  // Fractions beyond ms (Mastodon sends µs) are truncated; precision stops at 1 ms.
  const fractionMs = fraction === undefined ? 0 : Number(`0.${fraction}`) * 1000;
  const time = base - offsetMinutes * 60_000 + Math.floor(fractionMs);
  let precisionMs = 86_400_000;
  if (hour !== undefined) precisionMs = 60_000;
  if (second !== undefined) precisionMs = 1000;
  if (fraction !== undefined) precisionMs = Math.max(1, 1000 / 10 ** fraction.length);
  return { time, precisionMs };
}

/**
 * The engine's `Date.parse`, for date strings of no standard form (JavaScript's `Date.toString()`).
 * Only tried on values with a four-digit year and a clock time, because `Date.parse` in V8 reads
 * almost anything ("1" is the year 2001).
 */
export function parseLooseDate(raw: string): number | undefined {
  const text = raw.trim();
  if (text.length > 96 || !/\b\d{4}\b/.test(text) || !/\b\d{1,2}:\d{2}/.test(text)) return undefined;
  const time = Date.parse(text);
  return Number.isFinite(time) ? time : undefined;
}
