import { defineConfig } from 'vitest/config';

/**
 * Projects: `node` (unit + msw integration), `happy-dom` (the page runtime), `redis` (a real
 * redis-server on loopback), `e2e` (real headless Chromium), `pack` (the packed tarball, after the
 * build). `npm test` runs them all, in that order.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/pack/**', 'test/e2e/**', 'test/browser/**', 'test/redis/**'],
        },
      },
      {
        test: {
          name: 'happy-dom',
          environment: 'happy-dom',
          include: ['test/browser/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'redis',
          environment: 'node',
          include: ['test/redis/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'pack',
          environment: 'node',
          include: ['test/pack/**/*.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 240_000,
        },
      },
    ],
  },
});
