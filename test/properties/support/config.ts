/**
 * How hard the properties try. `npm test`: a fixed seed and few runs (all properties < 60 s on a
 * slow 2-core machine). `npm run test:properties`: `KYQ_PROPERTY_RUNS=500 KYQ_SEED=random`.
 * A failure prints the seed and the shrunk counter-example; replay with `KYQ_SEED=<seed>`.
 */
import fc from 'fast-check';

const runs = Number(process.env['KYQ_PROPERTY_RUNS'] ?? '');
const seedText = process.env['KYQ_SEED'];

/** Runs per property: `base` unless `KYQ_PROPERTY_RUNS` says otherwise. */
export function runsOr(base: number): number {
  return Number.isInteger(runs) && runs > 0 ? runs : base;
}

/** The seed: fixed by default, random with `KYQ_SEED=random`, or the number given. */
export const seed: number = seedText === 'random' ? Math.floor(Math.random() * 2 ** 31) : seedText !== undefined && seedText !== '' ? Number(seedText) : 20_261_123;

/** fast-check parameters for one property. */
export function params<T>(base: number): fc.Parameters<T> {
  return { numRuns: runsOr(base), seed, endOnFailure: false, verbose: 0 };
}

/** Long mode: more runs than the default, so the per-test timeout must scale. */
export const longMode = Number.isInteger(runs) && runs > 0;

/** Per-test timeout, ms: generous in long mode. */
export function timeoutFor(base: number, perRunMs: number): number {
  return longMode ? Math.max(60_000, runsOr(base) * perRunMs * 4) : 60_000;
}
