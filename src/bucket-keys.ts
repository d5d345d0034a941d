import type { BucketKeyFunction } from './options.ts';
import { hashString } from './utils/hash.ts';

/** Learned route → server bucket entries kept at most; past it the oldest are forgotten. */
const maxRoutes = 2048;

/** Path segments that are ids, not route names: numbers, UUIDs, long hex or base64-ish tokens. */
const idSegment = /^(?:\d+|[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12}|[\da-f]{16,}|[\w-]{24,})$/i;

/** The route a request belongs to, with ids folded: `GET https://api.github.com/repos/:id/:id/issues`. */
export function routeOf(url: URL): string {
  const path = url.pathname
    .split('/')
    .map((segment) => (idSegment.test(segment) ? ':id' : segment))
    .join('/');
  return `${url.origin}${path}`;
}

/**
 * Which bucket a request spends. By default the origin plus a hash of the credential; narrowed to
 * a bucket the server named for the request's route once a response of that route named one.
 *
 * The first bucket the server names for a base (origin + credential) keeps the base's key: the base
 * bucket already counts the sends queued and in flight for it and holds the limit that server bucket
 * taught it. Moving the route to a fresh `base/name` bucket would let both spend the one server
 * quota (the fresh one probes while the old one drains) and overshoot it (found by
 * test/properties). Only a second, different name on the same base (GitHub's `search` after `core`)
 * gets a bucket of its own, `base/name`.
 */
export class BucketKeys {
  readonly #option: string | BucketKeyFunction | undefined;
  readonly #routeScopes = new Map<string, string>();
  /** Base key → the first server-named bucket seen for it, which spends the base bucket itself. */
  readonly #adopted = new Map<string, string>();

  constructor(option: string | BucketKeyFunction | undefined) {
    this.#option = option;
  }

  /** The bucket for a request; `explicit` is a per-request `context.bucketKey`. */
  keyFor(request: Request, explicit?: string): string {
    if (explicit !== undefined) return explicit;
    if (typeof this.#option === 'string') return this.#option;
    const chosen = this.#option?.(request);
    if (chosen !== undefined) return chosen;
    const authorization = request.headers.get('authorization');
    // No route named by a server yet: the key needs only the origin, read off the URL's text.
    const origin = this.#routeScopes.size === 0 ? httpOrigin(request.url) : undefined;
    if (origin !== undefined) return baseKey(origin, authorization);
    return this.#defaultKey(new URL(request.url), authorization);
  }

  /**
   * The bucket {@link keyFor} would give a request to `url` carrying `authorization`, without a
   * `Request` (the front gate decides before ky builds one). `request` builds one on demand, only
   * for a user's key function.
   */
  keyForUrl(url: URL, authorization: string | null, explicit: string | undefined, request: () => Request): string {
    if (explicit !== undefined) return explicit;
    if (typeof this.#option === 'string') return this.#option;
    const chosen = this.#option?.(request());
    if (chosen !== undefined) return chosen;
    return this.#defaultKey(url, authorization);
  }

  #defaultKey(url: URL, authorization: string | null): string {
    const base = baseKey(url.origin, authorization);
    const scope = this.#routeScopes.size === 0 ? undefined : this.#routeScopes.get(routeOf(url));
    if (scope === undefined) return base;
    const adopted = this.#adopted.get(base);
    if (adopted === undefined) {
      // A route the server named under another credential: its first request on this base adopts it.
      remember(this.#adopted, base, scope);
      return base;
    }
    return adopted === scope ? base : `${base}/${scope}`;
  }

  /** A response of this request's route named the server's bucket `scope`. */
  learn(request: Request, scope: string): void {
    if (this.#option !== undefined) return;
    const url = new URL(request.url);
    const base = baseKey(url.origin, request.headers.get('authorization'));
    if (!this.#adopted.has(base)) remember(this.#adopted, base, scope);
    const route = routeOf(url);
    if (this.#routeScopes.get(route) === scope) return;
    remember(this.#routeScopes, route, scope);
  }
}

/**
 * `new URL(href).origin` for a serialized http(s) URL without credentials (a `Request`'s `url`),
 * without parsing it: the scheme and authority, which such a URL ends with the path's first `/`;
 * `undefined` for any other URL.
 */
export function httpOrigin(href: string): string | undefined {
  const start = href.startsWith('https://') ? 8 : href.startsWith('http://') ? 7 : -1;
  if (start === -1) return undefined;
  const end = href.indexOf('/', start);
  if (end === -1) return undefined;
  const authority = href.slice(start, end);
  if (authority.length === 0 || authority.includes('@') || authority.includes('?') || authority.includes('#')) return undefined;
  return href.slice(0, end);
}

/** The origin plus a hash of the request's credential, if any. */
function baseKey(origin: string, authorization: string | null): string {
  return authorization === null ? origin : `${origin}#${hashString(authorization)}`;
}

/** Set an entry, forgetting the oldest once the map holds {@link maxRoutes}. */
function remember(map: Map<string, string>, key: string, value: string): void {
  if (!map.has(key) && map.size >= maxRoutes) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
  map.set(key, value);
}
