import type { ModelSnapshot, QuotaSource, TakeDecision, WaitReason } from '../bucket/types.ts';
import { REASON_CODES } from './lua/take.ts';

/** A bucket as the last script reply described it, times on Redis's clock. */
export interface SharedView {
  readonly limit: number;
  readonly windowMs: number;
  /** -1: unknown. */
  readonly remaining: number;
  /** -1: none. */
  readonly resetAt: number;
  /** -1: not paused. */
  readonly pausedUntil: number;
  readonly inFlight: number;
  /** Processes Redis saw using the bucket recently. */
  readonly live: number;
  readonly source: QuotaSource;
  /** Redis time minus this process's clock when the reply came, ms. */
  readonly offset: number;
}

/** The take script's answer. */
export interface TakeReply {
  readonly ok: boolean;
  /** The send's number when ok, else when to ask again on Redis's clock (-1: after a response). */
  readonly value: number;
  readonly reason: WaitReason | 'none';
  readonly now: number;
  /** Units admitted in the bucket so far, this send's included. */
  readonly total: number;
  /** The bucket's incarnation (its creation time on Redis's clock). */
  readonly epoch: number;
  readonly view: SharedView;
  /** Admitted, and the log has no room for the same cost again until then, on Redis's clock (-1: room now). */
  readonly next: number;
}

/** The report script's answer. */
export interface ReportReply {
  /** On Redis's clock; -1: no pause. */
  readonly pausedUntil: number;
  readonly limitChanged: boolean;
  readonly now: number;
  readonly view: SharedView;
}

const SOURCES: readonly QuotaSource[] = ['unknown', 'configured', 'server'];

function numbers(reply: unknown, length: number, script: string): number[] {
  if (!Array.isArray(reply) || reply.length !== length || !reply.every((value) => typeof value === 'number')) {
    throw new TypeError(`Unexpected reply from the ${script} script: ${JSON.stringify(reply)}`);
  }
  return reply as number[];
}

function viewOf(values: readonly number[], from: number, now: number, clientNow: number): SharedView {
  const at = (index: number): number => values[from + index] ?? -1;
  return {
    limit: at(0),
    windowMs: at(1),
    remaining: at(2),
    resetAt: at(3),
    pausedUntil: at(4),
    inFlight: at(5),
    live: at(6),
    source: SOURCES[at(7)] ?? 'unknown',
    offset: now - clientNow,
  };
}

/** Reads the take script's reply; `clientNow` is this process's clock when it asked. */
export function parseTakeReply(reply: unknown, clientNow: number): TakeReply {
  const values = numbers(reply, 15, 'take');
  const now = values[3] ?? 0;
  return {
    ok: values[0] === 1,
    value: values[1] ?? -1,
    reason: REASON_CODES[values[2] ?? 0] ?? 'none',
    now,
    total: values[4] ?? 0,
    epoch: values[5] ?? 0,
    view: viewOf(values, 6, now, clientNow),
    next: values[14] ?? -1,
  };
}

/** Reads the report script's reply. */
export function parseReportReply(reply: unknown, clientNow: number): ReportReply {
  const values = numbers(reply, 11, 'report');
  const now = values[2] ?? 0;
  return { pausedUntil: values[0] ?? -1, limitChanged: values[1] === 1, now, view: viewOf(values, 3, now, clientNow) };
}

/** A refusal on this process's clock. */
export function refusal(reply: TakeReply): Exclude<TakeDecision, { ok: true }> {
  if (reply.reason === 'too-large') return { ok: false, retryAt: undefined, reason: 'too-large', unit: 'requests', limit: reply.view.limit };
  const reason: WaitReason = reply.reason === 'none' ? 'quota' : reply.reason;
  const retryAt = reply.value < 0 ? undefined : reply.value - reply.view.offset;
  return { ok: false, retryAt, reason };
}

/** The view as `api.quota.snapshot()` shows it, on this process's clock. */
export function snapshotOf(view: SharedView, now: number): ModelSnapshot {
  const toLocal = (at: number): number | undefined => (at < 0 ? undefined : at - view.offset);
  const limit = view.limit > 0 ? view.limit : undefined;
  const remaining = view.remaining < 0 ? undefined : view.remaining;
  const resetAt = toLocal(view.resetAt);
  const windowMs = view.windowMs > 0 ? view.windowMs : undefined;
  const paused = toLocal(view.pausedUntil);
  const pausedUntil = paused !== undefined && paused > now ? paused : undefined;
  return {
    limit,
    remaining: limit === undefined ? undefined : remaining,
    resetAt,
    windowMs,
    inFlight: view.inFlight,
    pausedUntil,
    source: view.source,
    policies: limit === undefined ? [] : [{ name: 'default', unit: 'requests', limit, remaining, resetAt, windowMs }],
  };
}
