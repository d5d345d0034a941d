import type { QuotaStore } from './quota-store.ts';
import { MemoryQuotaStore } from './memory-quota-store.ts';

/**
 * The store a client uses when the user names none: the buckets in this process's memory.
 * Chosen in one place so the runtime-specific stores plug in here and nowhere else.
 */
export function defaultStore(): QuotaStore {
  return new MemoryQuotaStore();
}
