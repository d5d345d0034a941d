import { describe, expect, test } from 'vitest';
import { numberOf, parseDictionary, parseItem, parseList, StructuredFieldError, textOf } from '../../src/headers/structured-fields.ts';
import type { Item, ListMember } from '../../src/headers/structured-fields.ts';

function asItem(member: ListMember | undefined): Item {
  if (member?.kind !== 'item') throw new Error('expected an item');
  return member;
}

describe('parseItem: bare item types', () => {
  test.each([
    ['42', { type: 'integer', value: 42 }],
    ['-17', { type: 'integer', value: -17 }],
    ['0', { type: 'integer', value: 0 }],
    ['999999999999999', { type: 'integer', value: 999_999_999_999_999 }],
    ['4.5', { type: 'decimal', value: 4.5 }],
    ['-0.125', { type: 'decimal', value: -0.125 }],
    ['123456789012.123', { type: 'decimal', value: 123_456_789_012.123 }],
    ['"hello world"', { type: 'string', value: 'hello world' }],
    ['"say \\"hi\\" \\\\o/"', { type: 'string', value: 'say "hi" \\o/' }],
    ['""', { type: 'string', value: '' }],
    ['foo123/456', { type: 'token', value: 'foo123/456' }],
    ['*foo', { type: 'token', value: '*foo' }],
    ['text/html:x', { type: 'token', value: 'text/html:x' }],
    [':cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:', { type: 'byte-sequence', value: 'cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==' }],
    ['::', { type: 'byte-sequence', value: '' }],
    ['?1', { type: 'boolean', value: true }],
    ['?0', { type: 'boolean', value: false }],
    ['@1659578233', { type: 'date', value: 1_659_578_233 }],
    ['%"f%c3%bc%c3%bc"', { type: 'display-string', value: 'füü' }],
  ] as const)('%s', (input, expected) => {
    expect(parseItem(input).value).toEqual(expected);
  });

  test('leading and trailing spaces are discarded', () => {
    expect(parseItem('   42  ').value).toEqual({ type: 'integer', value: 42 });
  });
});

describe('parseItem: parameters', () => {
  test('integer, string, token, boolean and byte-sequence parameters, in order', () => {
    const item = parseItem('"name";q=100;qu="content-bytes";w=60;mode=strict;flag;pk=:AQID:');
    expect(textOf(item.value)).toBe('name');
    expect([...item.params.keys()]).toEqual(['q', 'qu', 'w', 'mode', 'flag', 'pk']);
    expect(numberOf(item.params.get('q'))).toBe(100);
    expect(item.params.get('qu')).toEqual({ type: 'string', value: 'content-bytes' });
    expect(item.params.get('mode')).toEqual({ type: 'token', value: 'strict' });
    expect(item.params.get('flag')).toEqual({ type: 'boolean', value: true });
    expect(item.params.get('pk')).toEqual({ type: 'byte-sequence', value: 'AQID' });
  });

  test('spaces after ";" are allowed (express-rate-limit writes them)', () => {
    const item = parseItem('"5-in-2hrs"; r=4; t=7200');
    expect(numberOf(item.params.get('r'))).toBe(4);
    expect(numberOf(item.params.get('t'))).toBe(7200);
  });

  test('a repeated parameter keeps its last value', () => {
    expect(numberOf(parseItem('1;a=1;a=2').params.get('a'))).toBe(2);
  });

  test('keys may contain digits, "_", "-", "." and "*"', () => {
    expect([...parseItem('1;a1_b-c.d*=1;*x=2').params.keys()]).toEqual(['a1_b-c.d*', '*x']);
  });
});

describe('parseList', () => {
  test('the draft-10 policy list', () => {
    const list = parseList('"permin";q=50;w=60,"perhr";q=1000;w=3600');
    expect(list).toHaveLength(2);
    expect(textOf(asItem(list[1]).value)).toBe('perhr');
    expect(numberOf(asItem(list[1]).params.get('w'))).toBe(3600);
  });

  test('members are separated by OWS "," OWS (tabs too)', () => {
    expect(parseList('1 ,\t2,3')).toHaveLength(3);
  });

  test('an empty field is an empty list', () => {
    expect(parseList('')).toEqual([]);
    expect(parseList('   ')).toEqual([]);
  });

  test('a quoted comma does not split members', () => {
    const list = parseList('"a,b";r=1, "c"');
    expect(list).toHaveLength(2);
    expect(textOf(asItem(list[0]).value)).toBe('a,b');
  });

  test('inner lists with parameters', () => {
    const list = parseList('("foo" "bar");lvl=5, ("baz"), ()');
    expect(list).toHaveLength(3);
    const first = list[0];
    expect(first?.kind).toBe('inner-list');
    if (first?.kind === 'inner-list') {
      expect(first.items.map((item) => textOf(item.value))).toEqual(['foo', 'bar']);
      expect(numberOf(first.params.get('lvl'))).toBe(5);
    }
  });
});

describe('parseDictionary', () => {
  test('the draft-07 RateLimit field', () => {
    const dictionary = parseDictionary('limit=100, remaining=50, reset=5');
    expect([...dictionary.keys()]).toEqual(['limit', 'remaining', 'reset']);
    expect(numberOf(asItem(dictionary.get('remaining')).value)).toBe(50);
  });

  test('a key without a value is boolean true, with parameters', () => {
    const dictionary = parseDictionary('a, b;x=1, c=?0');
    expect(asItem(dictionary.get('a')).value).toEqual({ type: 'boolean', value: true });
    expect(numberOf(asItem(dictionary.get('b')).params.get('x'))).toBe(1);
    expect(asItem(dictionary.get('c')).value).toEqual({ type: 'boolean', value: false });
  });

  test('a repeated key keeps its last value', () => {
    expect(numberOf(asItem(parseDictionary('a=1, a=2').get('a')).value)).toBe(2);
  });

  test('a draft-08 list is not a dictionary', () => {
    expect(() => parseDictionary('"default";r=50;t=30')).toThrow(StructuredFieldError);
  });
});

describe('invalid input throws StructuredFieldError', () => {
  test.each([
    ['1234567890123456', 'integer over 15 digits'],
    ['1234567890123.1', 'decimal integer part over 12 digits'],
    ['1.2345', 'decimal fraction over 3 digits'],
    ['1.', 'decimal without fraction'],
    ['-', 'lone minus'],
    ['"unterminated', 'unterminated string'],
    ['"bad \\n escape"', 'bad escape'],
    ['"tab\there"', 'control character in string'],
    [':not base64!:', 'bad byte sequence'],
    [':AQID', 'unterminated byte sequence'],
    ['?2', 'bad boolean'],
    ['@1.5', 'decimal date'],
    ['%"%C3%BC"', 'uppercase percent-encoding'],
    ['%"%ff"', 'display string that is not UTF-8'],
    ['1;A=1', 'uppercase parameter key'],
    ['1 ;a=1', 'space before ";"'],
    ['"é"', 'non-ASCII'],
    ['1 2', 'two items'],
  ])('item %s (%s)', (input) => {
    expect(() => parseItem(input)).toThrow(StructuredFieldError);
  });

  test.each([
    ['1,', 'trailing comma'],
    [',1', 'leading comma'],
    ['1,,2', 'empty member'],
    ['limit=100, remaining=50', 'a dictionary'],
    ['("a" "b"', 'unterminated inner list'],
    ['("a""b")', 'inner list without SP'],
  ])('list %s (%s)', (input) => {
    expect(() => parseList(input)).toThrow(StructuredFieldError);
  });

  test('dictionary keys must start with a lowercase letter or "*"', () => {
    expect(() => parseDictionary('Limit=1')).toThrow(StructuredFieldError);
    expect(() => parseDictionary('1=1')).toThrow(StructuredFieldError);
  });
});

describe('helpers', () => {
  test('numberOf reads integers and decimals only', () => {
    expect(numberOf({ type: 'integer', value: 3 })).toBe(3);
    expect(numberOf({ type: 'decimal', value: 1.5 })).toBe(1.5);
    expect(numberOf({ type: 'string', value: '3' })).toBeUndefined();
    expect(numberOf(undefined)).toBeUndefined();
  });

  test('textOf reads strings and tokens only', () => {
    expect(textOf({ type: 'string', value: 'a' })).toBe('a');
    expect(textOf({ type: 'token', value: 'b' })).toBe('b');
    expect(textOf({ type: 'integer', value: 1 })).toBeUndefined();
  });

  test('a long valid list parses in linear time', () => {
    const input = Array.from({ length: 1000 }, (_, index) => `"p${index}";q=${index}`).join(', ');
    expect(parseList(input)).toHaveLength(1000);
  });
});
