/**
 * Rough prompt sizes for LLM request bodies, without a tokenizer: characters of the text the
 * model reads, divided by a characters-per-token ratio (English averages about 4). The server's
 * `remaining` corrects the estimate after each response, so close is good enough.
 */

/** Tokens one image, audio or file part counts as (a 1024×1024 image is 765 tokens at OpenAI). */
export const MEDIA_PART_TOKENS = 1000;

/** Keys that label a part rather than hold text the model reads. */
const LABEL_KEYS = new Set(['role', 'type', 'id', 'call_id', 'tool_call_id', 'tool_use_id', 'detail', 'cache_control', 'status']);
const MEDIA_TYPE = /image|audio|file|document/;
/** Deep enough for any real message shape; deeper input is counted as its JSON, not walked. */
const MAX_DEPTH = 8;

/** Options shared by the chat cost estimators. */
export interface ChatCostOptions {
  /**
   * Characters per token of the prompt estimate.
   * @default 4
   */
  charsPerToken?: number;
  /**
   * Output tokens assumed when the body names no maximum (`max_tokens` and its kin).
   * @default 0
   */
  defaultOutputTokens?: number;
}

function isMediaPart(record: Record<string, unknown>): boolean {
  const { type } = record;
  if (typeof type === 'string') return MEDIA_TYPE.test(type);
  return 'image_url' in record || 'input_audio' in record;
}

/**
 * Characters of readable text in a message, content part, or list of them. Media parts count as
 * {@link MEDIA_PART_TOKENS} tokens' worth of characters, whatever their (base64) size.
 */
export function textChars(value: unknown, charsPerToken: number, depth = 0): number {
  if (typeof value === 'string') return value.length;
  if (typeof value !== 'object' || value === null) return 0;
  if (depth >= MAX_DEPTH) return JSON.stringify(value).length;
  let total = 0;
  if (Array.isArray(value)) {
    for (const item of value) total += typeof item === 'number' ? charsPerToken : textChars(item, charsPerToken, depth + 1);
    return total;
  }
  const record = value as Record<string, unknown>;
  if (isMediaPart(record)) return MEDIA_PART_TOKENS * charsPerToken;
  for (const [key, item] of Object.entries(record)) if (!LABEL_KEYS.has(key)) total += textChars(item, charsPerToken, depth + 1);
  return total;
}

/** Characters of a definition the model reads as JSON (tools, response formats). */
export function jsonChars(value: unknown): number {
  return value === undefined ? 0 : (JSON.stringify(value)?.length ?? 0);
}

/** A non-negative finite number from the body, or undefined. */
export function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The body as a record, or undefined when it is not a JSON object. */
export function asRecord(body: unknown): Record<string, unknown> | undefined {
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

/** Validated `charsPerToken` and `defaultOutputTokens`. */
export function ratios(options: ChatCostOptions | undefined): { charsPerToken: number; defaultOutputTokens: number } {
  const charsPerToken = options?.charsPerToken ?? 4;
  const defaultOutputTokens = options?.defaultOutputTokens ?? 0;
  if (typeof charsPerToken !== 'number' || !(charsPerToken > 0) || !Number.isFinite(charsPerToken)) {
    throw new RangeError(`Expected \`charsPerToken\` to be a finite number > 0, got \`${String(charsPerToken)}\` (${typeof charsPerToken})`);
  }
  if (count(defaultOutputTokens) === undefined) {
    throw new RangeError(`Expected \`defaultOutputTokens\` to be a finite number >= 0, got \`${String(defaultOutputTokens)}\` (${typeof defaultOutputTokens})`);
  }
  return { charsPerToken, defaultOutputTokens };
}
