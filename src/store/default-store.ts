import { supportsBroadcastChannel, supportsDocument, supportsWebLocks } from '../utils/supports.ts';
import { BroadcastQuotaStore } from './broadcast/broadcast-quota-store.ts';
import { MemoryQuotaStore } from './memory-quota-store.ts';
import type { QuotaStore } from './quota-store.ts';

/** What the default store needs to know. */
export interface DefaultStoreOptions {
  /** The quota namespace tabs share (`quota.name`). @default 'default' */
  readonly name?: string;
}

/**
 * The store a client uses when the user names none, chosen in one place: in a page with
 * BroadcastChannel and Web Locks, the buckets every tab of the origin shares; elsewhere (Node,
 * workers, a page without Web Locks) this process's memory. Node has BroadcastChannel and, from 24,
 * `navigator.locks`, but both reach only the threads of one process, so Node stays in memory.
 */
export function defaultStore(options: DefaultStoreOptions = {}): QuotaStore {
  if (supportsDocument() && supportsBroadcastChannel() && supportsWebLocks()) {
    return new BroadcastQuotaStore(options.name === undefined ? {} : { name: options.name });
  }
  return new MemoryQuotaStore();
}
