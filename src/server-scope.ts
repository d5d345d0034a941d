import type { ParsedRateLimit } from './headers/types.ts';

/** Dialects whose policy name is a server-side bucket (a route group), not one of several policies of one bucket. */
const scopeDialects = new Set(['github', 'discord', 'gitlab']);

/**
 * The bucket the server says a response's route belongs to (GitHub's `x-ratelimit-resource`,
 * Discord's `X-RateLimit-Bucket`), or `undefined` when it names none.
 */
export function serverScopeOf(parsed: ParsedRateLimit): string | undefined {
  for (const policy of parsed.policies) {
    if (policy.name !== undefined && policy.dialect !== undefined && scopeDialects.has(policy.dialect)) return policy.name;
  }
  return undefined;
}
