import { getResponse, type RequestHandler } from 'msw';

/**
 * A `fetch` answered by msw handlers through msw's `getResponse`, with no interception: for
 * environments where msw/node cannot patch the global fetch (happy-dom installs its own).
 * Unhandled requests reject like a network error, so nothing reaches the network.
 */
export function handlersFetch(handlers: RequestHandler[]): typeof fetch {
  return async (input, init) => {
    const request = input instanceof Request && init === undefined ? input : new Request(input, init);
    const response = await getResponse(handlers, request);
    if (response === undefined) throw new TypeError(`fetch failed: no msw handler for ${request.method} ${request.url}`);
    return response;
  };
}
