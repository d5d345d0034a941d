import { describe, expect, it } from 'vitest';
import { estimateAnthropicCost, estimateChatCost } from '../../src/index.ts';

describe('estimateChatCost (OpenAI bodies)', () => {
  it('adds max_tokens to the prompt characters / 4, rounded up', () => {
    const body = { model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'system', content: 'x'.repeat(10) }, { role: 'user', content: 'y'.repeat(391) }] };
    expect(estimateChatCost(body)).toEqual({ requests: 1, tokens: 101 + 200 });
  });

  it('prefers max_completion_tokens, reads max_output_tokens (Responses), and reserves n choices', () => {
    expect(estimateChatCost({ max_completion_tokens: 50, max_tokens: 999, messages: [] })).toEqual({ requests: 1, tokens: 50 });
    expect(estimateChatCost({ max_output_tokens: 30, instructions: 'abcd', input: 'efgh' })).toEqual({ requests: 1, tokens: 32 });
    expect(estimateChatCost({ max_tokens: 10, n: 3, messages: [] })).toEqual({ requests: 1, tokens: 30 });
  });

  it('reads text parts, counts media parts flat and tools as JSON', () => {
    const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${'A'.repeat(100_000)}` } };
    const body = { messages: [{ role: 'user', content: [{ type: 'text', text: 'abcdefgh' }, image] }], tools: [{ type: 'function', function: { name: 'f' } }] };
    const toolChars = JSON.stringify(body.tools).length;
    expect(estimateChatCost(body).tokens).toBe(Math.ceil((8 + 4000 + toolChars) / 4));
  });

  it('reads legacy prompts and embeddings inputs, token arrays included', () => {
    expect(estimateChatCost({ prompt: ['abcd', 'efgh'], max_tokens: 1 })).toEqual({ requests: 1, tokens: 3 });
    expect(estimateChatCost({ input: [[1, 2, 3]] })).toEqual({ requests: 1, tokens: 3 });
  });

  it('costs one request for anything that is not a JSON object, and takes options', () => {
    expect(estimateChatCost(undefined)).toEqual({ requests: 1 });
    expect(estimateChatCost('text')).toEqual({ requests: 1 });
    expect(estimateChatCost({ messages: [{ content: 'abcdef' }] }, { charsPerToken: 3, defaultOutputTokens: 100 })).toEqual({ requests: 1, tokens: 102 });
    expect(() => estimateChatCost({}, { charsPerToken: 0 })).toThrow(RangeError);
    expect(() => estimateChatCost({}, { defaultOutputTokens: -1 })).toThrow(RangeError);
  });
});

describe('estimateAnthropicCost (Messages bodies)', () => {
  it('gives input, output and their sum, in the units of Anthropic headers', () => {
    const body = { model: 'claude', max_tokens: 1024, system: 'abcd', messages: [{ role: 'user', content: [{ type: 'text', text: 'efghijkl' }] }] };
    expect(estimateAnthropicCost(body)).toEqual({ requests: 1, 'input-tokens': 3, 'output-tokens': 1024, tokens: 1027 });
  });

  it('counts a base64 image as a flat part, not its size', () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'A'.repeat(1_000_000) } };
    expect(estimateAnthropicCost({ max_tokens: 1, messages: [{ role: 'user', content: [image] }] })['input-tokens']).toBe(1000);
  });
});
