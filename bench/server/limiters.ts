/** Moved to src/msw (`ky-quota/msw`), the one source of truth; kept for the bench's imports. */
export * from '../../src/msw/limiters.ts';
