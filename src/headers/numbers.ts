import { MAX_LIST_MEMBERS } from './limits.ts';

const STRICT_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * Parses a plain decimal number strictly: `"60"`, `"3.0"`, `"-1"`. Unlike `parseFloat`, it rejects
 * `"12ms"`, `"60, 4999"`, `""` and `"1e3"`, and unlike `Number` it rejects `""` and `" "`.
 */
export function parseStrictNumber(raw: string): number | undefined {
  const text = raw.trim();
  if (text.length === 0 || text.length > 32 || !STRICT_NUMBER.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/** Digits after the decimal point of a numeric string (`"64.57"` → 2). */
export function fractionDigits(raw: string): number {
  const text = raw.trim();
  const dot = text.indexOf('.');
  return dot === -1 ? 0 : text.length - dot - 1;
}

/**
 * The precision, in ms, of a number of seconds written with `digits` decimals:
 * `1000` for whole seconds, `10` for `64.57`, never below 1.
 */
export function secondsPrecisionMs(digits: number): number {
  return Math.max(1, 1000 / 10 ** digits);
}

/** Seconds to ms without floating-point noise (`64.57 * 1000` is `64569.99999999999`). */
export function secondsToMs(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e3;
}

/** Splits a comma-joined value into at most {@link MAX_LIST_MEMBERS} trimmed, non-empty members. */
export function splitList(raw: string): string[] {
  const members: string[] = [];
  for (const part of raw.split(',', MAX_LIST_MEMBERS * 4)) {
    const member = part.trim();
    if (member.length > 0) members.push(member);
    if (members.length >= MAX_LIST_MEMBERS) break;
  }
  return members;
}

/**
 * The numbers of a comma-joined count header (`"60, 4999"`, `"76;w=21600"`): each member's leading
 * value before any `;` parameters. Members that are not plain numbers are skipped; negative ones
 * (the `-1` sentinel) are kept so the policy builder can recognise the sentinel.
 */
export function parseCountList(raw: string): number[] {
  const values: number[] = [];
  for (const member of splitList(raw)) {
    const value = parseStrictNumber(member.split(';', 1)[0] ?? '');
    if (value !== undefined) values.push(value);
  }
  return values;
}

/** The smallest count of a comma-joined header (duplicates from proxies: the tighter one wins). */
export function minCount(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const values = parseCountList(raw);
  return values.length === 0 ? undefined : Math.min(...values);
}
