import type { Observation } from '../bucket/types.ts';
import type { RateLimitPolicy } from '../headers/types.ts';

/** What the take script said about a send this process made, kept until its report. */
export interface SharedSend {
  readonly kind: 'shared';
  readonly seq: number;
  readonly units: number;
  /** Units admitted in the bucket through this send. */
  readonly through: number;
  /** When Redis admitted it, on Redis's clock. */
  readonly sentAt: number;
  /** When this process asked for it, on this process's clock. */
  readonly askedAt: number;
  /** The bucket's incarnation that admitted it. */
  readonly epoch: number;
}

/**
 * The one policy the shared bucket follows: among the request-counting policies of a response,
 * the one with the least room left (the binding one). Token quotas (`unit: 'tokens'`) are not
 * shared by the Redis store.
 */
export function bindingPolicy(policies: readonly RateLimitPolicy[]): RateLimitPolicy | undefined {
  let best: RateLimitPolicy | undefined;
  let bestShare = Infinity;
  for (const policy of policies) {
    if (policy.unit !== undefined && policy.unit !== 'requests') continue;
    if (policy.limit === undefined && policy.remaining === undefined) continue;
    const share = policy.limit !== undefined && policy.remaining !== undefined && policy.limit > 0 ? policy.remaining / policy.limit : 1;
    if (best === undefined || share < bestShare) {
      best = policy;
      bestShare = share;
    }
  }
  return best;
}

/** Times reach Lua as delays from the response, so the script puts them on Redis's clock. */
const delay = (at: number | undefined, now: number): number => (at === undefined ? -1 : Math.max(0, Math.ceil(at - now)));
const whole = (value: number | undefined): number => (value === undefined || !Number.isFinite(value) ? -1 : Math.max(0, Math.floor(value)));

/** Positions of the reset and retry-after delays in {@link reportArgs} (ms from the response). */
export const REPORT_ARG_RESET_DELAY = 8;
export const REPORT_ARG_RETRY_DELAY = 11;

/** ARGV of the report script (see lua/report.ts). */
export function reportArgs(
  send: SharedSend,
  observation: Observation,
  settings: { readonly maxRetryAfterMs: number; readonly guardMs: number; readonly keyTtlMs: number; readonly leaseMs: number; readonly channel: string; readonly bucket: string },
): (string | number)[] {
  const { now, status, parsed } = observation;
  const policy = bindingPolicy(parsed?.policies ?? []);
  return [
    send.seq,
    send.units,
    send.through,
    send.sentAt,
    status ?? -1,
    policy === undefined ? 0 : 1,
    whole(policy?.limit),
    whole(policy?.remaining),
    delay(policy?.resetAt, now),
    policy?.windowMs === undefined ? -1 : Math.ceil(policy.windowMs),
    policy?.semantics === 'refill' ? 1 : 0,
    delay(parsed?.retryAt, now),
    Math.ceil(settings.maxRetryAfterMs),
    Math.ceil(settings.guardMs),
    Math.ceil(settings.keyTtlMs),
    Math.ceil(settings.leaseMs),
    settings.channel,
    settings.bucket,
    // asked-to-response bounds grant-to-arrival, without the report's own queueing
    status === undefined ? -1 : Math.max(0, Math.ceil(now - send.askedAt)),
    send.epoch,
  ];
}
