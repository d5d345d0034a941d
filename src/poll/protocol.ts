import type { DemandEntry } from './demand-table.ts';
import type { SharedBody } from './shared-body.ts';

/**
 * The polling protocol's version: part of the channel name, so tabs running two versions never
 * read each other's messages.
 */
export const POLL_PROTOCOL_VERSION = 1;

interface Envelope {
  readonly v: typeof POLL_PROTOCOL_VERSION;
  /** The sending tab. */
  readonly from: string;
}

/** A tab's whole polling demand, valid for `ttlMs` (longer while hidden: its timers are throttled). */
export interface DemandMessage extends Envelope {
  readonly type: 'demand';
  readonly entries: readonly DemandEntry[];
  /** The tab's view of each bucket's allowed rate, requests per second (from its store's snapshot). */
  readonly allowed: Readonly<Record<string, number>>;
  /** The tab is hidden: another tab that polls the same URL and is visible fetches it. */
  readonly hidden: boolean;
  readonly ttlMs: number;
}

/** A tab starts fetching `key`: the others wait for its body until `until` instead of fetching too. */
export interface ClaimMessage extends Envelope {
  readonly type: 'claim';
  readonly key: string;
  /** When the fetch's tick fired, epoch ms (the cadence the others follow). */
  readonly startedAt: number;
  readonly until: number;
}

/** The claimed fetch ended without a body to share (an error, a body too large, an abort). */
export interface ReleaseMessage extends Envelope {
  readonly type: 'release';
  readonly key: string;
}

/** A fetched body, for the pollers of `key` in every tab. */
export interface BodyMessage extends Envelope {
  readonly type: 'body';
  readonly key: string;
  readonly body: SharedBody;
}

/** A tab that just started polling `key` (or became visible) asks for a recent body. */
export interface AskMessage extends Envelope {
  readonly type: 'ask';
  readonly key: string;
  /** Bodies older than this are no use to the asker, ms. */
  readonly maxAgeMs: number;
}

/** The tab stops polling (closed, hidden into the bfcache, frozen): drop its demand. */
export interface LeaveMessage extends Envelope {
  readonly type: 'leave';
}

/** Everything on the polling channel. */
export type PollMessage = DemandMessage | ClaimMessage | ReleaseMessage | BodyMessage | AskMessage | LeaveMessage;

const types = new Set<string>(['demand', 'claim', 'release', 'body', 'ask', 'leave']);

/** True for a message of this protocol version (anything else on the channel is ignored). */
export function isPollMessage(value: unknown): value is PollMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as { v?: unknown; from?: unknown; type?: unknown };
  return message.v === POLL_PROTOCOL_VERSION && typeof message.from === 'string' && typeof message.type === 'string' && types.has(message.type);
}
