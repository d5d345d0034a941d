import { describe, expect, test } from 'vitest';
import { dialectForUrl } from '../../src/headers/host-registry.ts';
import { normalizeHeaders } from '../../src/headers/normalize-headers.ts';
import type { HeadersLike } from '../../src/headers/types.ts';

describe('normalizeHeaders', () => {
  test('lowercases names and trims values', () => {
    expect([...normalizeHeaders({ 'X-RateLimit-Limit': '  60 ' })]).toEqual([['x-ratelimit-limit', '60']]);
  });

  test('joins arrays with ", " and stringifies numbers', () => {
    const map = normalizeHeaders({ 'set-thing': ['a', 'b'], 'x-n': 5 });
    expect(map.get('set-thing')).toBe('a, b');
    expect(map.get('x-n')).toBe('5');
  });

  test('skips null, undefined, empty and non-finite values', () => {
    const map = normalizeHeaders({ a: null, b: undefined, c: '', d: Number.NaN, e: [] } as HeadersLike);
    expect(map.size).toBe(0);
  });

  test('reads a fetch Headers, duplicates joined', () => {
    const headers = new Headers();
    headers.append('Retry-After', '1');
    headers.append('retry-after', '2');
    expect(normalizeHeaders(headers).get('retry-after')).toBe('1, 2');
  });

  test('drops values over 4096 characters, keeping an earlier short spelling', () => {
    expect(normalizeHeaders({ a: 'x'.repeat(4097) }).has('a')).toBe(false);
    expect(normalizeHeaders({ a: 'x'.repeat(4096) }).get('a')).toHaveLength(4096);
    expect(normalizeHeaders({ A: '1', a: 'x'.repeat(5000) }).get('a')).toBe('1');
  });

  test('caps array members at 64', () => {
    const value = normalizeHeaders({ a: Array.from({ length: 1000 }, () => '1') }).get('a') ?? '';
    expect(value.split(', ')).toHaveLength(64);
  });
});

describe('dialectForUrl', () => {
  test.each([
    ['https://api.github.com/user', 'github'],
    ['https://api.acme.ghe.com/user', 'github'],
    ['https://gitlab.com/api/v4/projects', 'gitlab'],
    ['https://gitlab.example.org/api/v4', 'gitlab'],
    ['https://discord.com/api/v10/users/@me', 'discord'],
    ['https://API.OPENAI.COM/v1/chat/completions', 'openai'],
    ['https://api.groq.com/openai/v1/models', 'openai'],
    ['https://myres.openai.azure.com/openai/deployments/x', 'openai'],
    ['https://oauth.reddit.com/api/v1/me', 'reddit'],
    ['https://api.heroku.com/apps', 'heroku'],
    ['https://api.prisjakt.nu/v1', 'prisjakt'],
    ['https://api.x.com/2/tweets', 'twitter'],
    ['https://example.com/', undefined],
    ['https://notgithub.com/', undefined],
    ['not a url', undefined],
  ])('%s → %s', (url, dialect) => {
    expect(dialectForUrl(url)).toBe(dialect);
  });

  test('accepts URL objects and undefined', () => {
    expect(dialectForUrl(new URL('https://discordapp.com/api'))).toBe('discord');
    expect(dialectForUrl(undefined)).toBeUndefined();
  });
});
