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
 */
export class BucketKeys {
  readonly #option: string | BucketKeyFunction | undefined;
  readonly #routeScopes = new Map<string, string>();

  constructor(option: string | BucketKeyFunction | undefined) {
    this.#option = option;
  }

  /** The bucket for a request; `explicit` is a per-request `context.bucketKey`. */
  keyFor(request: Request, explicit?: string): string {
    if (explicit !== undefined) return explicit;
    if (typeof this.#option === 'string') return this.#option;
    const chosen = this.#option?.(request);
    if (chosen !== undefined) return chosen;
    const url = new URL(request.url);
    const credential = request.headers.get('authorization');
    const base = credential === null ? url.origin : `${url.origin}#${hashString(credential)}`;
    const scope = this.#routeScopes.size === 0 ? undefined : this.#routeScopes.get(routeOf(url));
    return scope === undefined ? base : `${base}/${scope}`;
  }

  /** A response of this request's route named the server's bucket `scope`. */
  learn(request: Request, scope: string): void {
    if (this.#option !== undefined) return;
    const route = routeOf(new URL(request.url));
    if (this.#routeScopes.get(route) === scope) return;
    if (this.#routeScopes.size >= maxRoutes) {
      const oldest = this.#routeScopes.keys().next().value;
      if (oldest !== undefined) this.#routeScopes.delete(oldest);
    }
    this.#routeScopes.set(route, scope);
  }
}
