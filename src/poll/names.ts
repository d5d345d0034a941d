import { hashString } from '../utils/hash.ts';
import { POLL_PROTOCOL_VERSION } from './protocol.ts';

/**
 * The polling channel's name for a quota `name`: hashed (the name may be derived from an account
 * id; no secret goes into a name other scripts of the origin can list) and versioned.
 */
export function pollChannelName(quotaName: string): string {
  return `ky-quota:poll:v${POLL_PROTOCOL_VERSION}:${hashString(quotaName)}`;
}

/**
 * A feed's key: the URL as passed to `api.poll()`, its search params, and a hash of the request
 * headers (which vary the response: another credential, another `Accept`). Header values never
 * appear in the key; it is hashed again for the channel.
 */
export function feedKey(url: string, searchParams: string, headers: Iterable<readonly [string, string]>): string {
  const sorted = [...headers].map(([name, value]) => `${name.toLowerCase()}:${value}`).sort();
  const query = searchParams === '' ? '' : `?${searchParams}`;
  return `${hashString(`${url}${query}`)}${hashString(sorted.join('\n'))}:${url.length}`;
}
