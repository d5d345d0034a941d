/** True in a page: a `document` exists (a window, not a worker or Node). */
export const supportsDocument = (): boolean => typeof (globalThis as { document?: unknown }).document === 'object';

/** True where `BroadcastChannel` exists (browsers, Node >= 18, Deno). */
export const supportsBroadcastChannel = (): boolean => typeof globalThis.BroadcastChannel === 'function';

/** True where the Web Locks API works (`navigator.locks` is `null` in happy-dom; a bare `navigator` throws in Node 20). */
export const supportsWebLocks = (): boolean =>
  typeof (globalThis as { navigator?: { locks?: { request?: unknown } | null } }).navigator?.locks?.request === 'function';
