/** A change of the page's state that pollers react to. */
export type VisibilityChange =
  /** The tab was hidden: pollers slow down or pause. */
  | 'hidden'
  /** The tab is visible again: pollers refresh at once. */
  | 'visible'
  /** The page is about to be frozen or go into the bfcache: nothing may wait on it. */
  | 'freeze'
  /** The page came back from a freeze or the bfcache. */
  | 'resume';

/** The page's visibility, behind a small interface: the document's by default, fakes in tests. */
export interface PollVisibility {
  /** True while the tab is hidden. */
  isHidden(): boolean;
  /** Listen to changes; returns the function that stops listening. */
  subscribe(listener: (change: VisibilityChange) => void): () => void;
}

/** A runtime without pages (Node, workers): always visible. */
export const alwaysVisible: PollVisibility = {
  isHidden: () => false,
  subscribe: () => () => {},
};

interface PageTarget {
  readonly document?: { readonly visibilityState?: string; addEventListener?: typeof addEventListener; removeEventListener?: typeof removeEventListener };
  addEventListener?: typeof addEventListener;
  removeEventListener?: typeof removeEventListener;
}

/**
 * The page's visibility from `document.visibilityState` and `visibilitychange`, the Page
 * Lifecycle's `freeze`/`resume`, and `pagehide`/`pageshow` into and out of the bfcache.
 * {@link alwaysVisible} where there is no `document`.
 */
export function browserVisibility(): PollVisibility {
  const target = globalThis as PageTarget;
  const document = target.document;
  if (document === undefined || typeof document.addEventListener !== 'function' || typeof target.addEventListener !== 'function') return alwaysVisible;
  return {
    isHidden: () => document.visibilityState === 'hidden',
    subscribe: (listener) => {
      const onVisibility = (): void => listener(document.visibilityState === 'hidden' ? 'hidden' : 'visible');
      const onFreeze = (): void => listener('freeze');
      const onResume = (): void => listener('resume');
      const onPageHide = (event: Event): void => {
        if ((event as PageTransitionEvent).persisted) listener('freeze');
      };
      const onPageShow = (event: Event): void => {
        if ((event as PageTransitionEvent).persisted) listener('resume');
      };
      document.addEventListener?.('visibilitychange', onVisibility);
      document.addEventListener?.('freeze', onFreeze);
      document.addEventListener?.('resume', onResume);
      target.addEventListener?.('pagehide', onPageHide);
      target.addEventListener?.('pageshow', onPageShow);
      return () => {
        document.removeEventListener?.('visibilitychange', onVisibility);
        document.removeEventListener?.('freeze', onFreeze);
        document.removeEventListener?.('resume', onResume);
        target.removeEventListener?.('pagehide', onPageHide);
        target.removeEventListener?.('pageshow', onPageShow);
      };
    },
  };
}
