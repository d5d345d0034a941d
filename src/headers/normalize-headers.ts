import { MAX_LIST_MEMBERS, MAX_VALUE_LENGTH } from './limits.ts';
import type { HeadersLike } from './types.ts';

/** Lowercased header names to their (comma-joined) values. */
export type NormalizedHeaders = ReadonlyMap<string, string>;

type HeaderValue = string | readonly string[] | number | undefined | null;

function isFetchHeaders(headers: HeadersLike): headers is Headers {
  const candidate = headers as { forEach?: unknown; get?: unknown };
  return typeof candidate.forEach === 'function' && typeof candidate.get === 'function';
}

function valueToString(value: HeaderValue): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (Array.isArray(value)) {
    const parts = (value as readonly unknown[]).slice(0, MAX_LIST_MEMBERS).filter((part): part is string => typeof part === 'string');
    return parts.length === 0 ? undefined : parts.join(', ');
  }
  return undefined;
}

function add(map: Map<string, string>, name: string, raw: string): void {
  const key = name.trim().toLowerCase();
  const value = raw.trim();
  if (key.length === 0 || value.length === 0) return;
  const previous = map.get(key);
  // Two spellings of one name in a plain record are duplicates: join them as fetch would.
  const joined = previous === undefined ? value : `${previous}, ${value}`;
  // Oversized values are garbage: dropping them keeps parsing bounded.
  if (joined.length > MAX_VALUE_LENGTH) {
    if (previous === undefined) return;
    map.set(key, previous);
    return;
  }
  map.set(key, joined);
}

/**
 * Normalises a fetch `Headers` or a plain record (Node's `IncomingHttpHeaders`) into a map of
 * lowercased names. Array values (repeated fields) are joined with `", "`, as `Headers.get()` does;
 * values longer than 4096 characters are ignored. Never throws.
 */
export function normalizeHeaders(headers: HeadersLike | null | undefined): NormalizedHeaders {
  const map = new Map<string, string>();
  if (headers === null || headers === undefined || typeof headers !== 'object') return map;
  try {
    if (isFetchHeaders(headers)) {
      headers.forEach((value, name) => {
        add(map, name, value);
      });
      return map;
    }
    for (const name of Object.keys(headers)) {
      const value = valueToString(headers[name]);
      if (value !== undefined) add(map, name, value);
    }
  } catch {
    // A hostile getter or proxy: keep what was read.
  }
  return map;
}
