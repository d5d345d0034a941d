/**
 * Request headers that never make two GETs differ: per-request tracing and correlation ids,
 * which every call sets to a new value but no API answers differently for. Every other request
 * header (`authorization`, `accept`, `accept-language`, `cookie`, custom ones) is part of the key.
 */
export const coalesceIgnoredHeaders: ReadonlySet<string> = new Set([
  'traceparent',
  'tracestate',
  'baggage',
  'sentry-trace',
  'x-request-id',
  'x-correlation-id',
  'x-amzn-trace-id',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'b3',
]);

/** Methods whose identical requests may share one response. */
const coalescable = new Set(['GET', 'HEAD']);

/** Header entries in the form `Headers` iterates them: lower-case names, sorted, values combined. */
export type HeaderEntries = Iterable<readonly [string, string]>;

/**
 * The key under which identical requests share one response, or `undefined` when the request
 * may not share (not GET or HEAD). Two requests have the same key when their method, absolute URL
 * (search parameters in order, fragment dropped) and request headers, except
 * {@link coalesceIgnoredHeaders}, are the same. The key holds header values as they are (it never
 * leaves memory): two credentials never share.
 */
export function coalesceKey(method: string, url: string, headers: HeaderEntries | undefined): string | undefined {
  const upper = method.toUpperCase();
  if (!coalescable.has(upper)) return undefined;
  const hash = url.indexOf('#');
  let key = `${upper} ${hash === -1 ? url : url.slice(0, hash)}`;
  if (headers === undefined) return key;
  for (const [name, value] of headers) {
    if (coalesceIgnoredHeaders.has(name)) continue;
    key += `\n${name}: ${value}`;
  }
  return key;
}

/** The key of a built request (see {@link coalesceKey}). */
export function coalesceKeyOfRequest(request: Request): string | undefined {
  return coalesceKey(request.method, request.url, request.headers);
}
