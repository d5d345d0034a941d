import type { Units } from '../bucket/types.ts';
import { asRecord, count, jsonChars, ratios, textChars, type ChatCostOptions } from './text-size.ts';

/**
 * Estimates what an OpenAI-style request spends of a `{ requests, tokens }` quota, from its JSON
 * body, the way OpenAI counts a request against its tokens-per-minute limit: the prompt's size
 * plus the most output it may produce. Chat Completions (`messages`, `max_completion_tokens` or
 * `max_tokens`, `n` choices), Responses (`input`, `instructions`, `max_output_tokens`),
 * Completions (`prompt`) and Embeddings (`input`) bodies are read; anything else costs
 * `{ requests: 1 }`. The prompt is text characters / `charsPerToken` (tools and response formats
 * as their JSON), rounded up. OpenAI-compatible APIs (Groq, Azure OpenAI, vLLM) take the same bodies.
 *
 * @returns `{ requests: 1, tokens: prompt + output }`, the units OpenAI's `x-ratelimit-*-tokens` headers count.
 * @example
 * ```ts
 * estimateChatCost({ model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: 'x'.repeat(400) }] });
 * // { requests: 1, tokens: 300 }
 * ```
 */
export function estimateChatCost(body: unknown, options?: ChatCostOptions): Units {
  const { charsPerToken, defaultOutputTokens } = ratios(options);
  const record = asRecord(body);
  if (record === undefined) return { requests: 1 };
  const chars =
    textChars(record['messages'], charsPerToken) +
    textChars(record['input'], charsPerToken) +
    textChars(record['prompt'], charsPerToken) +
    textChars(record['instructions'], charsPerToken) +
    jsonChars(record['tools']) +
    jsonChars(record['functions']) +
    jsonChars(record['response_format']);
  const maxOutput = count(record['max_completion_tokens']) ?? count(record['max_tokens']) ?? count(record['max_output_tokens']);
  // Each of `n` choices may produce the whole maximum; OpenAI reserves all of them.
  const choices = Math.max(1, Math.floor(count(record['n']) ?? 1), Math.floor(count(record['best_of']) ?? 1));
  const tokens = Math.ceil(chars / charsPerToken) + (maxOutput ?? defaultOutputTokens) * choices;
  return { requests: 1, tokens };
}
