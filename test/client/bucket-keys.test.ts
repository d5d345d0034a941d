import { describe, expect, it } from 'vitest';
import { BucketKeys, httpOrigin } from '../../src/bucket-keys.ts';

describe('bucket keys', () => {
  it('httpOrigin reads the origin of a serialized http(s) URL as URL does, and declines the rest', () => {
    const urls = [
      'https://api.example.com/',
      'https://API.Example.COM:443/a/b?c=d#e',
      'http://api.example.com:80/x',
      'http://api.example.com:8080/x?y',
      'https://[::1]:8443/v1',
      'http://127.0.0.1/',
      'https://xn--bcher-kva.example/',
      'https://bücher.example/path',
      'http://stub.test?q=1',
      'http://stub.test#frag',
    ];
    for (const text of urls) {
      const href = new Request(text).url;
      expect(httpOrigin(href), text).toBe(new URL(href).origin);
    }
    expect(httpOrigin('http://user:pass@example.com/')).toBeUndefined();
    expect(httpOrigin('file:///etc/passwd')).toBeUndefined();
    expect(httpOrigin('blob:https://example.com/uuid')).toBeUndefined();
    expect(httpOrigin('ws://example.com/')).toBeUndefined();
  });

  it('keys a request by origin and credential, and by the route a server named once it named one', () => {
    const keys = new BucketKeys(undefined);
    const plain = new Request('https://api.example.com/repos/1/issues');
    const authorized = new Request('https://api.example.com/repos/1/issues', { headers: { authorization: 'Bearer a' } });
    expect(keys.keyFor(plain)).toBe('https://api.example.com');
    expect(keys.keyFor(authorized)).toMatch(/^https:\/\/api\.example\.com#[\da-f]{8}$/);
    expect(keys.keyFor(plain, 'mine')).toBe('mine');
    keys.learn(plain, 'core');
    keys.learn(new Request('https://api.example.com/search'), 'search');
    expect(keys.keyFor(plain)).toBe('https://api.example.com');
    expect(keys.keyFor(new Request('https://api.example.com/search'))).toBe('https://api.example.com/search');
    expect(keys.keyFor(new Request('https://other.example.com/search'))).toBe('https://other.example.com');
  });
});
