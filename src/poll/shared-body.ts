/** A response as it crosses the channel: text, status and content type (nothing else is sent). */
export interface SharedBody {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  /** When the response arrived in the fetching tab, epoch ms. */
  readonly fetchedAt: number;
  /** When the request was sent (its token granted), epoch ms: the cadence every tab reschedules from. */
  readonly startedAt: number;
}

/** The default size above which a body is not shared with other tabs (UTF-16 code units). */
export const defaultMaxShareBytes = 65_536;

/** Read a response into a {@link SharedBody}. */
export async function readBody(response: Response, startedAt: number, fetchedAt: number): Promise<SharedBody> {
  return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text(), fetchedAt, startedAt };
}

/** A fresh `Response` for a poller's `parse` (each poller reads its own). */
export function toResponse(body: SharedBody): Response {
  const headers = new Headers();
  if (body.contentType !== null) headers.set('content-type', body.contentType);
  // 1xx/204/304 cannot carry a body in the Response constructor.
  const bodyless = body.status === 204 || body.status === 304 || body.status < 200;
  return new Response(bodyless ? null : body.text, { status: body.status, headers });
}

/** True for a body small enough to post to other tabs. */
export function shareable(body: SharedBody, maxBytes: number): boolean {
  return body.text.length <= maxBytes;
}

/** A well-formed {@link SharedBody} from the channel (other versions or scripts may post junk). */
export function isSharedBody(value: unknown): value is SharedBody {
  if (typeof value !== 'object' || value === null) return false;
  const body = value as Record<string, unknown>;
  return (
    typeof body['status'] === 'number' &&
    (body['contentType'] === null || typeof body['contentType'] === 'string') &&
    typeof body['text'] === 'string' &&
    typeof body['fetchedAt'] === 'number' &&
    typeof body['startedAt'] === 'number'
  );
}
