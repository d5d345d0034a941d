/**
 * A parser for RFC 9651 Structured Field Values (Lists, Dictionaries and Items).
 *
 * The IETF RateLimit fields are Structured Fields, and the forms real servers send (spaces after
 * `;`, byte-sequence partition keys, quoted names with commas inside) break regexes. Parsing
 * follows RFC 9651 §4.2 literally and throws {@link StructuredFieldError} on invalid input; the
 * dialect code catches it, because "malformed RateLimit header fields MUST be ignored".
 */

/** A bare item, tagged by its RFC 9651 type. Byte sequences keep their base64 text. */
export type BareItem =
  | { readonly type: 'integer'; readonly value: number }
  | { readonly type: 'decimal'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'token'; readonly value: string }
  | { readonly type: 'byte-sequence'; readonly value: string }
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'date'; readonly value: number }
  | { readonly type: 'display-string'; readonly value: string };

/** Parameters in their wire order; a repeated key keeps its last value (RFC 9651 §4.2.3.2). */
export type Parameters = ReadonlyMap<string, BareItem>;

export interface Item {
  readonly kind: 'item';
  readonly value: BareItem;
  readonly params: Parameters;
}

export interface InnerList {
  readonly kind: 'inner-list';
  readonly items: readonly Item[];
  readonly params: Parameters;
}

export type ListMember = Item | InnerList;

/** Thrown on input that is not a valid Structured Field of the requested type. */
export class StructuredFieldError extends SyntaxError {
  override name = 'StructuredFieldError' as const;
}

const MAX_INTEGER_DIGITS = 15;
const MAX_DECIMAL_INTEGER_DIGITS = 12;
const MAX_DECIMAL_FRACTION_DIGITS = 3;

function isDigit(char: string | undefined): boolean {
  return char !== undefined && char >= '0' && char <= '9';
}

function isAlpha(char: string | undefined): boolean {
  return char !== undefined && ((char >= 'a' && char <= 'z') || (char >= 'A' && char <= 'Z'));
}

function isLowerAlpha(char: string | undefined): boolean {
  return char !== undefined && char >= 'a' && char <= 'z';
}

const TCHAR_SYMBOLS = "!#$%&'*+-.^_`|~";

function isTokenChar(char: string | undefined): boolean {
  return (
    char !== undefined &&
    (isAlpha(char) || isDigit(char) || TCHAR_SYMBOLS.includes(char) || char === ':' || char === '/')
  );
}

function isKeyChar(char: string | undefined): boolean {
  return (
    char !== undefined &&
    (isLowerAlpha(char) || isDigit(char) || char === '_' || char === '-' || char === '.' || char === '*')
  );
}

function isBase64Char(char: string | undefined): boolean {
  return char !== undefined && (isAlpha(char) || isDigit(char) || char === '+' || char === '/' || char === '=');
}

/** A cursor over one field value; each method consumes what it parses. */
class Cursor {
  readonly #input: string;
  #position = 0;

  constructor(input: string) {
    this.#input = input;
  }

  get done(): boolean {
    return this.#position >= this.#input.length;
  }

  peek(): string | undefined {
    return this.#input[this.#position];
  }

  next(): string | undefined {
    const char = this.#input[this.#position];
    this.#position += 1;
    return char;
  }

  expect(char: string): void {
    if (this.next() !== char) this.fail(`expected "${char}"`);
  }

  skipSpaces(): void {
    while (this.peek() === ' ') this.#position += 1;
  }

  skipOptionalWhitespace(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.#position += 1;
  }

  fail(reason: string): never {
    throw new StructuredFieldError(`Invalid structured field at ${this.#position}: ${reason}`);
  }
}

function prepare(input: string): Cursor {
  // RFC 9651 §4.2: fields are ASCII; leading and trailing SP are discarded.
  for (let index = 0; index < input.length; index += 1) {
    if (input.charCodeAt(index) > 0x7e) throw new StructuredFieldError('Non-ASCII structured field');
  }
  return new Cursor(input.replace(/^ +| +$/g, ''));
}

function parseKey(cursor: Cursor): string {
  const first = cursor.peek();
  if (!isLowerAlpha(first) && first !== '*') cursor.fail('expected a key');
  let key = '';
  while (isKeyChar(cursor.peek())) key += cursor.next();
  return key;
}

function parseNumber(cursor: Cursor): BareItem {
  let sign = 1;
  if (cursor.peek() === '-') {
    cursor.next();
    sign = -1;
  }
  if (!isDigit(cursor.peek())) cursor.fail('expected a digit');
  let text = '';
  let isDecimal = false;
  for (;;) {
    const char = cursor.peek();
    if (isDigit(char)) {
      text += cursor.next();
    } else if (char === '.' && !isDecimal) {
      if (text.length > MAX_DECIMAL_INTEGER_DIGITS) cursor.fail('decimal integer part too long');
      text += cursor.next();
      isDecimal = true;
    } else {
      break;
    }
    if (!isDecimal && text.length > MAX_INTEGER_DIGITS) cursor.fail('integer too long');
    if (isDecimal && text.length > MAX_DECIMAL_INTEGER_DIGITS + 1 + MAX_DECIMAL_FRACTION_DIGITS) {
      cursor.fail('decimal too long');
    }
  }
  if (!isDecimal) return { type: 'integer', value: sign * Number(text) };
  const fraction = text.length - 1 - text.indexOf('.');
  if (fraction < 1 || fraction > MAX_DECIMAL_FRACTION_DIGITS) cursor.fail('bad decimal fraction');
  return { type: 'decimal', value: sign * Number(text) };
}

function parseString(cursor: Cursor): BareItem {
  cursor.expect('"');
  let value = '';
  for (;;) {
    const char = cursor.next();
    if (char === undefined) cursor.fail('unterminated string');
    if (char === '\\') {
      const escaped = cursor.next();
      if (escaped !== '"' && escaped !== '\\') cursor.fail('bad escape');
      value += escaped;
    } else if (char === '"') {
      return { type: 'string', value };
    } else {
      const code = char.charCodeAt(0);
      if (code < 0x20 || code > 0x7e) cursor.fail('bad string character');
      value += char;
    }
  }
}

function parseToken(cursor: Cursor): BareItem {
  const first = cursor.peek();
  if (!isAlpha(first) && first !== '*') cursor.fail('expected a token');
  let value = '';
  while (isTokenChar(cursor.peek())) value += cursor.next();
  return { type: 'token', value };
}

function parseByteSequence(cursor: Cursor): BareItem {
  cursor.expect(':');
  let value = '';
  for (;;) {
    const char = cursor.next();
    if (char === ':') return { type: 'byte-sequence', value };
    if (!isBase64Char(char)) cursor.fail('bad byte sequence');
    value += char;
  }
}

function parseBoolean(cursor: Cursor): BareItem {
  cursor.expect('?');
  const char = cursor.next();
  if (char === '1') return { type: 'boolean', value: true };
  if (char === '0') return { type: 'boolean', value: false };
  return cursor.fail('bad boolean');
}

function parseDate(cursor: Cursor): BareItem {
  cursor.expect('@');
  const number = parseNumber(cursor);
  if (number.type !== 'integer') cursor.fail('a date must be an integer');
  return { type: 'date', value: number.value };
}

function parseDisplayString(cursor: Cursor): BareItem {
  cursor.expect('%');
  cursor.expect('"');
  const bytes: number[] = [];
  for (;;) {
    const char = cursor.next();
    if (char === undefined) cursor.fail('unterminated display string');
    const code = char.charCodeAt(0);
    if (code < 0x20 || code > 0x7e) cursor.fail('bad display string character');
    if (char === '"') break;
    if (char === '%') {
      const hex = `${cursor.next() ?? ''}${cursor.next() ?? ''}`;
      if (!/^[0-9a-f]{2}$/.test(hex)) cursor.fail('bad percent encoding');
      bytes.push(Number.parseInt(hex, 16));
    } else {
      bytes.push(code);
    }
  }
  try {
    return { type: 'display-string', value: new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array(bytes)) };
  } catch {
    return cursor.fail('display string is not UTF-8');
  }
}

function parseBareItem(cursor: Cursor): BareItem {
  const char = cursor.peek();
  if (char === '-' || isDigit(char)) return parseNumber(cursor);
  if (char === '"') return parseString(cursor);
  if (char === '*' || isAlpha(char)) return parseToken(cursor);
  if (char === ':') return parseByteSequence(cursor);
  if (char === '?') return parseBoolean(cursor);
  if (char === '@') return parseDate(cursor);
  if (char === '%') return parseDisplayString(cursor);
  return cursor.fail('expected a bare item');
}

function parseParameters(cursor: Cursor): Parameters {
  const params = new Map<string, BareItem>();
  while (cursor.peek() === ';') {
    cursor.next();
    cursor.skipSpaces();
    const key = parseKey(cursor);
    let value: BareItem = { type: 'boolean', value: true };
    if (cursor.peek() === '=') {
      cursor.next();
      value = parseBareItem(cursor);
    }
    params.set(key, value);
  }
  return params;
}

function parseItemAt(cursor: Cursor): Item {
  const value = parseBareItem(cursor);
  return { kind: 'item', value, params: parseParameters(cursor) };
}

function parseInnerList(cursor: Cursor): InnerList {
  cursor.expect('(');
  const items: Item[] = [];
  for (;;) {
    cursor.skipSpaces();
    if (cursor.peek() === ')') {
      cursor.next();
      return { kind: 'inner-list', items, params: parseParameters(cursor) };
    }
    items.push(parseItemAt(cursor));
    const after = cursor.peek();
    if (after !== ' ' && after !== ')') cursor.fail('expected SP or ")" in an inner list');
  }
}

function parseMember(cursor: Cursor): ListMember {
  return cursor.peek() === '(' ? parseInnerList(cursor) : parseItemAt(cursor);
}

/**
 * Parses an RFC 9651 List (`"a";q=1, "b";q=2`). An empty field is an empty list.
 * @throws {StructuredFieldError} on invalid input.
 */
export function parseList(input: string): ListMember[] {
  const cursor = prepare(input);
  const members: ListMember[] = [];
  while (!cursor.done) {
    members.push(parseMember(cursor));
    cursor.skipOptionalWhitespace();
    if (cursor.done) return members;
    cursor.expect(',');
    cursor.skipOptionalWhitespace();
    if (cursor.done) cursor.fail('trailing comma');
  }
  return members;
}

/**
 * Parses an RFC 9651 Dictionary (`limit=100, remaining=50, reset=5`). A key without `=` is `true`.
 * @throws {StructuredFieldError} on invalid input.
 */
export function parseDictionary(input: string): Map<string, ListMember> {
  const cursor = prepare(input);
  const dictionary = new Map<string, ListMember>();
  while (!cursor.done) {
    const key = parseKey(cursor);
    if (cursor.peek() === '=') {
      cursor.next();
      dictionary.set(key, parseMember(cursor));
    } else {
      dictionary.set(key, { kind: 'item', value: { type: 'boolean', value: true }, params: parseParameters(cursor) });
    }
    cursor.skipOptionalWhitespace();
    if (cursor.done) return dictionary;
    cursor.expect(',');
    cursor.skipOptionalWhitespace();
    if (cursor.done) cursor.fail('trailing comma');
  }
  return dictionary;
}

/**
 * Parses an RFC 9651 Item (`100;w=60`).
 * @throws {StructuredFieldError} on invalid input.
 */
export function parseItem(input: string): Item {
  const cursor = prepare(input);
  const item = parseItemAt(cursor);
  if (!cursor.done) cursor.fail('unexpected input after the item');
  return item;
}

/** The numeric value of an Integer or Decimal bare item, else `undefined`. */
export function numberOf(value: BareItem | undefined): number | undefined {
  return value?.type === 'integer' || value?.type === 'decimal' ? value.value : undefined;
}

/** The text of a String or Token bare item (the forms a policy name takes), else `undefined`. */
export function textOf(value: BareItem | undefined): string | undefined {
  return value?.type === 'string' || value?.type === 'token' ? value.value : undefined;
}
