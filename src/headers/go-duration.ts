/**
 * Go `time.Duration` strings as OpenAI and Groq send them (`1s`, `6m0s`, `12ms`, `2m59.56s`), which
 * also covers protobuf Duration JSON (`"37s"`, `"1.5s"`). `parseFloat("12ms")` is 12, so a naive
 * parse reads 12 ms as 12 s: parse unit by unit.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  h: 3_600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
  us: 0.001,
  'µs': 0.001,
  'μs': 0.001,
  ns: 0.000_001,
};

const WHOLE = /^(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|h|m|s))+$/;
const COMPONENT = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|h|m|s)/g;

/** A parsed duration: its length and how precise it was written, both in ms. */
export interface DurationReading {
  readonly ms: number;
  readonly precisionMs: number;
}

/** Parses a non-negative Go duration string; `undefined` when `raw` is not one. */
export function parseGoDuration(raw: string): DurationReading | undefined {
  const text = raw.trim().replace(/^\+/, '');
  if (text.length === 0 || text.length > 64 || !WHOLE.test(text)) return undefined;
  let total = 0;
  let precision = Number.POSITIVE_INFINITY;
  for (const match of text.matchAll(COMPONENT)) {
    const digits = match[1] ?? '0';
    const unitMs = UNIT_MS[match[2] ?? ''] ?? Number.NaN;
    total += Number(digits) * unitMs;
    const dot = digits.indexOf('.');
    const decimals = dot === -1 ? 0 : digits.length - dot - 1;
    precision = Math.min(precision, unitMs / 10 ** decimals);
  }
  if (!Number.isFinite(total)) return undefined;
  return { ms: Math.round(total * 1e3) / 1e3, precisionMs: Math.max(1, precision) };
}
