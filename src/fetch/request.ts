/** Reading what the quota needs (URL, method, headers, and a JSON body for estimators) from fetch arguments, leaving them intact for the real fetch. */

/**
 * The request the quota sees: URL, method and headers, no body and no signal, so building it
 * neither consumes a body the real fetch still has to send nor ties an abort signal to a copy.
 */
export function gateRequest(input: RequestInfo | URL, init: RequestInit | undefined): Request {
  const method = init?.method;
  const headers = init?.headers;
  if (input instanceof Request) {
    if (method === undefined && headers === undefined) return input;
    return new Request(input.url, { method: method ?? input.method, headers: headers ?? input.headers });
  }
  return new Request(input, method === undefined && headers === undefined ? undefined : { method, headers });
}

const decoder = new TextDecoder();

/**
 * The body as text, when that is cheap and harmless: strings and bytes as given, a `Request`
 * body only when it says it is JSON (read from a clone). Streams, forms and blobs (uploads) are
 * not read: `undefined`.
 */
export async function bodyText(input: RequestInfo | URL, init: RequestInit | undefined): Promise<string | undefined> {
  const body = init?.body;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return decoder.decode(body);
  if (ArrayBuffer.isView(body)) return decoder.decode(body);
  if (body !== undefined && body !== null) return undefined;
  if (body === undefined && input instanceof Request && input.body !== null && /json/i.test(input.headers.get('content-type') ?? '')) {
    return input.clone().text();
  }
  return undefined;
}

/** `text` as JSON when it looks like a JSON object or array; `undefined` otherwise. */
export function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
