import type { Dialect } from './dialects.ts';
import type { Decision } from './limiters/types.ts';

/** The body of a 429 and its content type. */
export interface LimitedBody {
  readonly contentType: string;
  /** Serialised body text. */
  readonly text: string;
}

const json = (value: unknown): LimitedBody => ({ contentType: 'application/json', text: JSON.stringify(value) });

/**
 * The 429 body a real API of `dialect` sends, so code that shows the server's message (a toast, a
 * log line) is tested against the real shape: GitHub's `message` + `documentation_url`, OpenAI's
 * `error` object, an RFC 9457 problem for IETF servers, plain text for the header-less ones.
 *
 * @example
 * ```ts
 * limitedBody('openai', decision).text;
 * // '{"error":{"message":"Rate limit reached for requests ...","type":"requests","param":null,"code":"rate_limit_exceeded"}}'
 * ```
 */
export function limitedBody(dialect: Dialect, decision: Decision): LimitedBody {
  const wait = decision.retryAfterMs === undefined || !Number.isFinite(decision.retryAfterMs) ? undefined : Math.ceil(decision.retryAfterMs);
  switch (dialect) {
    case 'github':
      return json({
        message: 'API rate limit exceeded. (But here\'s the good news: this is a test.)',
        documentation_url: 'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api',
      });
    case 'openai':
      return json({
        error: {
          message: `Rate limit reached for requests: Limit ${decision.limit}, Used ${decision.limit - decision.remaining}.${wait === undefined ? '' : ` Please try again in ${wait}ms.`}`,
          type: 'requests',
          param: null,
          code: 'rate_limit_exceeded',
        },
      });
    case 'ietf':
    case 'ietf-06':
      return {
        contentType: 'application/problem+json',
        text: JSON.stringify({
          type: 'https://iana.org/assignments/http-problem-types#quota-exceeded',
          title: 'Request cannot be satisfied as assigned quota has been exceeded',
          status: 429,
        }),
      };
    case 'x-ratelimit-epoch':
    case 'x-ratelimit-delta':
      return json({ error: 'Too Many Requests', message: `Rate limit of ${decision.limit} exceeded` });
    default:
      return { contentType: 'text/plain; charset=utf-8', text: 'Too Many Requests' };
  }
}
