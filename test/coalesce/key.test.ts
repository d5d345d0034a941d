import { describe, expect, it } from 'vitest';
import { coalesceIgnoredHeaders, coalesceKey, coalesceKeyOfRequest } from '../../src/coalesce/key.ts';

describe('coalesceKey', () => {
  it('only GET and HEAD, in any case, have a key', () => {
    expect(coalesceKey('get', 'https://a.test/x', undefined)).toBe('GET https://a.test/x');
    expect(coalesceKey('HEAD', 'https://a.test/x', undefined)).toBe('HEAD https://a.test/x');
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'QUERY', 'OPTIONS']) expect(coalesceKey(method, 'https://a.test/x', undefined)).toBeUndefined();
  });

  it('differs by method, URL, search parameters and their order, and by any header not ignored', () => {
    const keys = [
      coalesceKey('GET', 'https://a.test/x', undefined),
      coalesceKey('HEAD', 'https://a.test/x', undefined),
      coalesceKey('GET', 'https://a.test/y', undefined),
      coalesceKey('GET', 'https://a.test/x?a=1&b=2', undefined),
      coalesceKey('GET', 'https://a.test/x?b=2&a=1', undefined),
      coalesceKey('GET', 'https://a.test/x', new Headers({ authorization: 'Bearer 1' })),
      coalesceKey('GET', 'https://a.test/x', new Headers({ authorization: 'Bearer 2' })),
      coalesceKey('GET', 'https://a.test/x', new Headers({ accept: 'application/json' })),
      coalesceKey('GET', 'https://a.test/x', new Headers({ 'accept-language': 'de' })),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('ignores the fragment and per-request tracing ids', () => {
    const plain = coalesceKey('GET', 'https://a.test/x', new Headers({ accept: 'application/json' }));
    expect(coalesceKey('GET', 'https://a.test/x#top', new Headers({ accept: 'application/json' }))).toBe(plain);
    const traced = new Headers({ accept: 'application/json' });
    for (const name of coalesceIgnoredHeaders) traced.set(name, `${name}-${Math.random()}`);
    expect(coalesceKey('GET', 'https://a.test/x', traced)).toBe(plain);
  });

  it('the key of a built Request is the key of its parts (header names in any case, in any order)', () => {
    const request = new Request('https://a.test/x?q=1', { headers: { 'X-B': '2', 'x-a': '1', traceparent: '00-abc' } });
    expect(coalesceKeyOfRequest(request)).toBe(coalesceKey('GET', 'https://a.test/x?q=1', new Headers({ 'x-a': '1', 'x-b': '2' })));
    expect(coalesceKeyOfRequest(new Request('https://a.test/x', { method: 'POST', body: '{}' }))).toBeUndefined();
  });
});
