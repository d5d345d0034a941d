export { createClient, withQuota } from './client.ts';
export type { ClientOptions, QuotaKyInstance } from './client.ts';
export { Quota } from './quota.ts';
export { createQuotaFetch } from './fetch/create-quota-fetch.ts';
export type { QuotaFetch, QuotaFetchOptions, QuotaRequestInit, CostFunction, CostInput, CostEstimatorName } from './fetch/types.ts';
export { estimateChatCost } from './cost/openai.ts';
export { estimateAnthropicCost } from './cost/anthropic.ts';
export type { ChatCostOptions } from './cost/text-size.ts';
export type { BucketSnapshot } from './quota.ts';
export { configurePolling, quotaInterval } from './poll/poll-api.ts';
export type { PollingOptions } from './poll/poll-api.ts';
export type { PollFunction, PollOptions, PollHandle, PollInfo, PollSource, HiddenPolicy, PollRequestOptions } from './poll/types.ts';
export type { BucketPolling, PollerSnapshot, PollIntervalEvent } from './poll/snapshot.ts';
export type { PollVisibility, VisibilityChange } from './poll/visibility.ts';
export type { QuotaOptions, Cost, BucketKeyFunction } from './options.ts';
export type { QuotaContext } from './hooks.ts';
export type { QuotaEvents, LimitedEvent, LimitChangeEvent, WarningEvent } from './events.ts';

export { parseRateLimitHeaders } from './headers/parse-rate-limit-headers.ts';
export type { RateLimitPolicy, ParsedRateLimit, ParseRateLimitOptions, HeadersLike, ResetSemantics } from './headers/types.ts';

export type {
  Units,
  SendRecord,
  TakeDecision,
  WaitReason,
  Observation,
  ObserveResult,
  QuotaSource,
  ModelSnapshot,
  PolicySnapshot,
  QuotaModelOptions,
} from './bucket/types.ts';

export { MemoryQuotaStore } from './store/memory-quota-store.ts';
export { BroadcastQuotaStore } from './store/broadcast/broadcast-quota-store.ts';
export type { BroadcastQuotaStoreOptions, BroadcastRole, BroadcastStats } from './store/broadcast/broadcast-quota-store.ts';
export type { ChannelPort, OpenChannel, LockManagerLike, LockInfoLike, PageLifecycle } from './store/broadcast/ports.ts';
export type { QuotaStore, TakeRequest, TakeResult, Grant } from './store/quota-store.ts';
export type { Clock, TimerHandle } from './utils/clock.ts';

export { QuotaError, isQuotaError } from './errors/quota-error.ts';
export { RateLimitError, isRateLimitError } from './errors/rate-limit-error.ts';
export { QueueFullError, isQueueFullError } from './errors/queue-full-error.ts';
export { QuotaTimeoutError, isQuotaTimeoutError } from './errors/quota-timeout-error.ts';
export { QuotaClosedError, isQuotaClosedError } from './errors/quota-closed-error.ts';
export { CostExceedsLimitError, isCostExceedsLimitError } from './errors/cost-exceeds-limit-error.ts';
