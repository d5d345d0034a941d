import { hashString } from '../../utils/hash.ts';
import { PROTOCOL_VERSION } from './protocol.ts';

/** The channel and lock names of one quota namespace. */
export interface QuotaNames {
  readonly channel: string;
  /** Held by the leader for as long as it leads. */
  readonly leader: string;
  /** Held briefly by a tab that steals the leader lock, so a second tab's steal a moment later stands down. */
  readonly steal: string;
  /** Held by each tab for its life, so `locks.query()` tells this tab's `clientId`. */
  tab(tabId: string): string;
}

/**
 * Names for a quota key: the key is hashed (it may be derived from a credential; no secret goes
 * into a name other scripts of the origin can list) and versioned with the protocol.
 */
export function quotaNames(key: string): QuotaNames {
  const prefix = `ky-quota:v${PROTOCOL_VERSION}:${hashString(key)}`;
  return {
    channel: prefix,
    leader: `${prefix}:leader`,
    steal: `${prefix}:steal`,
    tab: (tabId) => `${prefix}:tab:${tabId}`,
  };
}
