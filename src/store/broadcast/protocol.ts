import type { ModelSnapshot, Observation, ObserveResult, QuotaModelOptions, SendRecord, Units, WaitReason } from '../../bucket/types.ts';

/**
 * The wire protocol's version. It is part of every channel and lock name, so tabs running two
 * versions of ky-quota never read each other's messages (each version coordinates its own tabs).
 */
export const PROTOCOL_VERSION = 1;

/** Every message carries the protocol version and the sending tab's id. */
interface Envelope {
  readonly v: typeof PROTOCOL_VERSION;
  readonly from: string;
}

/** A new leader announces itself; followers adopt its epoch and re-send their outstanding requests. */
export interface LeadMessage extends Envelope {
  readonly type: 'lead';
  readonly epoch: number;
}

/** A tab asks the leader for a token. `id` is stable until the token is granted or cancelled. */
export interface RequestMessage extends Envelope {
  readonly type: 'req';
  readonly id: string;
  readonly bucket: string;
  readonly cost: Units;
  readonly defaults: QuotaModelOptions;
}

/** The leader admitted a request: only the tab waiting for `id` may spend it. */
export interface GrantMessage extends Envelope {
  readonly type: 'grant';
  readonly to: string;
  readonly id: string;
  readonly epoch: number;
  readonly bucket: string;
  readonly send: SendRecord;
}

/** The leader cannot admit a request yet; `queued` means a grant will be pushed when it can. */
export interface DenyMessage extends Envelope {
  readonly type: 'deny';
  readonly to: string;
  readonly id: string;
  readonly epoch: number;
  readonly bucket: string;
  readonly retryAt: number | undefined;
  readonly reason: WaitReason;
  readonly queued: boolean;
}

/** The attempt a grant allowed has ended: what its response showed. */
export interface ReportMessage extends Envelope {
  readonly type: 'report';
  /** Unique per report, for the ack. */
  readonly rid: string;
  /** The epoch of the leader that granted the send: another leader's send ids mean nothing here. */
  readonly epoch: number;
  readonly bucket: string;
  readonly send: SendRecord;
  readonly observation: Observation;
}

/** The leader's answer to a report. */
export interface AckMessage extends Envelope {
  readonly type: 'ack';
  readonly to: string;
  readonly rid: string;
  readonly epoch: number;
  readonly result: ObserveResult;
}

/** A tab no longer wants request `id` (its caller left). */
export interface CancelMessage extends Envelope {
  readonly type: 'cancel';
  readonly id: string;
  readonly bucket: string;
}

/** The leader's view of a bucket, for `snapshot()` in every tab (and a pause a new leader keeps). */
export interface SnapshotMessage extends Envelope {
  readonly type: 'snap';
  readonly epoch: number;
  readonly bucket: string;
  readonly snapshot: ModelSnapshot;
}

/** A courtesy on close or pagehide: the leader steps down (the lock release does the real work). */
export interface ByeMessage extends Envelope {
  readonly type: 'bye';
  readonly epoch: number;
}

/** Everything that crosses the channel. */
export type ProtocolMessage =
  | LeadMessage
  | RequestMessage
  | GrantMessage
  | DenyMessage
  | ReportMessage
  | AckMessage
  | CancelMessage
  | SnapshotMessage
  | ByeMessage;

/** Messages the leader handles. */
export type ToLeader = RequestMessage | ReportMessage | CancelMessage;

/** Messages a tab's requester handles. */
export type ToTab = LeadMessage | GrantMessage | DenyMessage | AckMessage | SnapshotMessage | ByeMessage;

const types = new Set<string>(['lead', 'req', 'grant', 'deny', 'report', 'ack', 'cancel', 'snap', 'bye']);

/** True for a message of this protocol version (anything else on the channel is ignored). */
export function isProtocolMessage(value: unknown): value is ProtocolMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as { v?: unknown; from?: unknown; type?: unknown };
  return message.v === PROTOCOL_VERSION && typeof message.from === 'string' && typeof message.type === 'string' && types.has(message.type);
}

/** True for the messages a leader acts on. */
export function isToLeader(message: ProtocolMessage): message is ToLeader {
  return message.type === 'req' || message.type === 'report' || message.type === 'cancel';
}
