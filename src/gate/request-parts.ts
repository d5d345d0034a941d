import type { Input, Options } from 'ky';

/*
 * What the front gate needs to know about a ky call before ky builds anything: the method, the
 * URL ky will fetch, and the headers it will send, derived from the instance's defaults and the
 * call's options the way ky 2.1 derives them (`core/Ky.js` constructor, `utils/merge.js`). Where
 * this guess and ky's `Request` could differ (a hook rewrote the request), the hooks check again
 * on the built `Request`: the gate's guess only decides where a call waits, never what is sent.
 */

const schemePattern = /^[a-z][\d+.a-z-]*:/i;
const leadingControlOrSpace = /^[\0-\u0020]+/;
const tabOrNewLine = /[\t\n\r]/g;

/** ky's option merge: the call's own key wins, even set to `undefined`. */
function pick<K extends keyof Options>(defaults: Options, options: Options | undefined, key: K): Options[K] {
  return options !== undefined && Object.hasOwn(options, key) ? options[key] : defaults[key];
}

/** The method ky will use: the shortcut's, the options', the input `Request`'s, or GET. */
export function methodOf(input: Input, defaults: Options, options: Options | undefined, shortcut: string | undefined): string {
  const method = shortcut ?? pick(defaults, options, 'method') ?? (input instanceof globalThis.Request ? input.method : 'GET');
  return method.toUpperCase();
}

/** The last `baseUrl` resolved (an instance's calls share one: parse it once, not per call). */
let lastBase: { readonly text: string; readonly location: string | undefined; readonly href: string } | undefined;

/** A relative URL resolves against the page, as `new Request()` does in a browser. */
function absolute(input: string, base?: string): URL {
  const location = (globalThis as { location?: { href?: string } }).location?.href;
  if (base === undefined) return new URL(input, location);
  if (lastBase?.text !== base || lastBase.location !== location) lastBase = { text: base, location, href: new URL(base, location).href };
  return new URL(input, lastBase.href);
}

/**
 * The URL ky will fetch for `input`: `prefix` joined with one slash, then resolved against
 * `baseUrl` unless absolute, then `searchParams` appended (the defaults' first, then the call's;
 * an object's `undefined` value removes the key).
 * @throws TypeError when the URL cannot be resolved (ky would throw too; the caller lets ky say so).
 */
export function urlOf(input: Input, defaults: Options, options: Options | undefined): URL {
  let url: URL;
  if (typeof input === 'string') {
    let text = input;
    const prefix = pick(defaults, options, 'prefix');
    if (prefix) text = `${String(prefix).replace(/\/+$/, '')}/${text.replace(/^\/+/, '')}`;
    const baseUrl = pick(defaults, options, 'baseUrl');
    const normalized = text.replace(leadingControlOrSpace, '').replaceAll(tabOrNewLine, '');
    url = baseUrl && !schemePattern.test(normalized) ? absolute(text, String(baseUrl)) : absolute(text);
  } else if (input instanceof URL) {
    url = new URL(input.href);
  } else {
    url = new URL(input.url);
  }
  appendSearch(url, defaults.searchParams, options !== undefined && Object.hasOwn(options, 'searchParams'));
  if (options?.searchParams !== undefined) appendSearch(url, options.searchParams, false);
  return url;
}

function appendSearch(url: URL, search: Options['searchParams'], overridden: boolean): void {
  if (search === undefined || search === null || overridden) return;
  if (typeof search === 'string') {
    const text = search.replace(/^\?/, '');
    if (text.trim() !== '') url.search = url.search ? `${url.search}&${text}` : `?${text}`;
    return;
  }
  if (search instanceof URLSearchParams || Array.isArray(search)) {
    for (const [key, value] of search instanceof URLSearchParams ? search : search) url.searchParams.append(String(key), String(value));
    return;
  }
  for (const [key, value] of Object.entries(search)) {
    if (value === undefined) url.searchParams.delete(key);
    else url.searchParams.append(key, String(value));
  }
}

type HeadersOption = Options['headers'];

function applyHeaders(target: Headers, source: HeadersOption, removeUndefined: boolean): void {
  if (source === undefined || source === null) return;
  const entries: Iterable<readonly [string, string | undefined]> =
    source instanceof globalThis.Headers || Array.isArray(source) ? (source as Iterable<[string, string]>) : Object.entries(source as Record<string, string | undefined>);
  for (const [name, value] of entries) {
    if (value === undefined || (removeUndefined && value === 'undefined')) target.delete(name);
    else target.set(name, value);
  }
}

/**
 * The headers ky will send before any hook runs: the input `Request`'s, the defaults', then the
 * call's (an `undefined` value removes one). `undefined` when there are none at all.
 */
export function headersOf(input: Input, defaults: Options, options: Options | undefined): Headers | undefined {
  const own = options?.headers;
  const inherited = defaults.headers;
  const fromRequest = input instanceof globalThis.Request;
  if (own === undefined && inherited === undefined && !fromRequest) return undefined;
  const headers = new globalThis.Headers(fromRequest ? input.headers : undefined);
  // `headers: undefined` in the call drops the defaults' headers (ky's merge sets the key).
  if (options === undefined || !Object.hasOwn(options, 'headers') || own !== undefined) {
    applyHeaders(headers, inherited, inherited instanceof globalThis.Headers);
  }
  applyHeaders(headers, own, own instanceof globalThis.Headers);
  return headers;
}
