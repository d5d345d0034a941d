/**
 * The I/O the broadcast store depends on, behind small interfaces: the browser's
 * BroadcastChannel, Web Locks and page lifecycle by default, fakes in unit tests.
 */

/** One tab's end of the channel all tabs of a quota share. */
export interface ChannelPort {
  /** Send to every other tab (never back to this port). */
  post(message: unknown): void;
  /** Register the one message listener. */
  listen(listener: (message: unknown) => void): void;
  close(): void;
}

/** Opens the tab's channel of a given name. */
export type OpenChannel = (name: string) => ChannelPort;

/** A held or pending lock as `LockManager.query()` reports it. */
export interface LockInfoLike {
  readonly name?: string | undefined;
  readonly clientId?: string | undefined;
}

/** The subset of `navigator.locks` the store uses. */
export interface LockManagerLike {
  request(
    name: string,
    options: { readonly mode?: 'exclusive'; readonly steal?: boolean; readonly ifAvailable?: boolean; readonly signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown>;
  query(): Promise<{ readonly held?: readonly LockInfoLike[] | undefined; readonly pending?: readonly LockInfoLike[] | undefined }>;
}

/** The page's visibility and bfcache lifecycle. */
export interface PageLifecycle {
  /** True while the page is visible (hidden tabs wait ten times longer before they steal). */
  isVisible(): boolean;
  /** `pagehide` with `persisted: true`: the page enters the bfcache. Returns the unsubscribe function. */
  onFreeze(listener: () => void): () => void;
  /** `pageshow` with `persisted: true`: the page came back from the bfcache. Returns the unsubscribe function. */
  onResume(listener: () => void): () => void;
  /**
   * Page Lifecycle `freeze`: the browser is about to freeze the page (a background tab under
   * Energy Saver or a freezing policy, a test's CDP). Optional. Returns the unsubscribe function.
   */
  onSuspend?(listener: () => void): () => void;
  /** Page Lifecycle `resume`: the page runs again after a freeze. Optional. Returns the unsubscribe function. */
  onWake?(listener: () => void): () => void;
}

/** The real BroadcastChannel. */
export const browserChannel: OpenChannel = (name) => {
  const channel = new BroadcastChannel(name);
  return {
    post: (message) => channel.postMessage(message),
    listen: (listener) => {
      channel.onmessage = (event: MessageEvent) => listener(event.data);
    },
    close: () => {
      channel.onmessage = null;
      channel.close();
    },
  };
};

/** `navigator.locks`, when the runtime has it. */
export function browserLocks(): LockManagerLike | undefined {
  const locks = (globalThis as { navigator?: { locks?: LockManagerLike | null } }).navigator?.locks;
  return locks !== null && locks !== undefined && typeof locks.request === 'function' ? locks : undefined;
}

/** A page's lifecycle from `document.visibilityState` and `pagehide`/`pageshow`; a neutral one elsewhere. */
export function browserLifecycle(): PageLifecycle {
  const target = globalThis as { document?: { visibilityState?: string }; addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener };
  const on = (type: 'pagehide' | 'pageshow', listener: () => void): (() => void) => {
    if (typeof target.addEventListener !== 'function' || typeof target.removeEventListener !== 'function') return () => {};
    const handler = (event: Event): void => {
      // Only a page that may come back (bfcache) needs to leave and rejoin; an unload ends everything anyway.
      if ((event as PageTransitionEvent).persisted) listener();
    };
    target.addEventListener(type, handler);
    const remove = target.removeEventListener.bind(target);
    return () => remove(type, handler);
  };
  const document = target.document as { addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener } | undefined;
  const onDocument = (type: 'freeze' | 'resume', listener: () => void): (() => void) => {
    if (typeof document?.addEventListener !== 'function' || typeof document.removeEventListener !== 'function') return () => {};
    document.addEventListener(type, listener);
    const remove = document.removeEventListener.bind(document);
    return () => remove(type, listener);
  };
  return {
    isVisible: () => target.document?.visibilityState !== 'hidden',
    onFreeze: (listener) => on('pagehide', listener),
    onResume: (listener) => on('pageshow', listener),
    onSuspend: (listener) => onDocument('freeze', listener),
    onWake: (listener) => onDocument('resume', listener),
  };
}
