import type { CoalesceGroup, Follower } from '../coalesce/group.ts';
import type { CallQuota } from '../quota.ts';
import type { Grant } from '../store/quota-store.ts';

/** A response another identical request got, handed to a follower. */
export interface SharedResponse {
  readonly response: Response;
  /** The coalescing key of the request that got it; the follower's own built request must match. */
  readonly key: string | undefined;
}

/**
 * What the front gate hands to the hooks of the ky call it starts, in `context` under the quota's
 * ticket symbol: the token it already took (so `beforeRequest` takes none), the call's quota
 * fields, and its part in a coalescing group.
 */
export interface GateTicket {
  /** The first attempt's token, until the `init` hook takes it over. */
  grant: Grant | undefined;
  readonly call: CallQuota;
  /** The call is a group's primary: its attempts' responses are kept for the followers. */
  readonly group: CoalesceGroup<Follower> | undefined;
  /** The call is a follower: it answers with this response if its built request matches. */
  readonly shared: SharedResponse | undefined;
}
