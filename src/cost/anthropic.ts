import type { Units } from '../bucket/types.ts';
import { asRecord, count, jsonChars, ratios, textChars, type ChatCostOptions } from './text-size.ts';

/**
 * Estimates what an Anthropic Messages request spends, from its JSON body, in the units of
 * Anthropic's headers: input tokens (`system`, `messages` text characters / `charsPerToken`,
 * `tools` as their JSON, rounded up), output tokens (`max_tokens`, as Anthropic reserves it
 * when the request starts), and `tokens`, their sum, for the combined policy. A body that is
 * not a JSON object costs `{ requests: 1 }`.
 *
 * @returns `{ requests: 1, 'input-tokens': x, 'output-tokens': y, tokens: x + y }`.
 * @example
 * ```ts
 * estimateAnthropicCost({ model: 'claude-sonnet-4-5', max_tokens: 1024, messages: [{ role: 'user', content: 'Hello' }] });
 * // { requests: 1, 'input-tokens': 2, 'output-tokens': 1024, tokens: 1026 }
 * ```
 */
export function estimateAnthropicCost(body: unknown, options?: ChatCostOptions): Units {
  const { charsPerToken, defaultOutputTokens } = ratios(options);
  const record = asRecord(body);
  if (record === undefined) return { requests: 1 };
  const chars = textChars(record['system'], charsPerToken) + textChars(record['messages'], charsPerToken) + jsonChars(record['tools']);
  const input = Math.ceil(chars / charsPerToken);
  const output = count(record['max_tokens']) ?? defaultOutputTokens;
  return { requests: 1, 'input-tokens': input, 'output-tokens': output, tokens: input + output };
}
