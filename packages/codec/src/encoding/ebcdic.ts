/**
 * EBCDIC characters: one byte per character, in one of two code pages. Both map the 256 byte values one to one onto
 * Latin-1, so every Latin-1 character has exactly one byte and back.
 *
 * - `ebcdic-1047` (code page 1047, the code page of jPOS since 2016), also plain `ebcdic`;
 * - `ebcdic-037` (code page 037, US/Canada), for peers that use it.
 *
 * Digits, letters, space, `+ - . / = C D` and the hex digits `A`-`F` are the same bytes in both: length prefixes,
 * MTIs, bitmaps, signs and hex characters never depend on the code page; only text does.
 */
import { IBM037_TO_LATIN1 } from './ebcdic-037.js';
import { IBM1047_TO_LATIN1 } from './ebcdic-1047.js';

/** An EBCDIC code page: its two translation tables. */
export interface EbcdicCodePage {
  /** The value encoding that names it: `ebcdic-037` or `ebcdic-1047`. */
  readonly name: 'ebcdic-037' | 'ebcdic-1047';
  /** EBCDIC byte -> Latin-1 character code. */
  readonly toLatin1: Uint8Array;
  /** Latin-1 character code -> EBCDIC byte. */
  readonly fromLatin1: Uint8Array;
}

/** The inverse of a one-to-one byte table. */
function invert(table: Uint8Array): Uint8Array {
  const inverse = new Uint8Array(256);
  for (let b = 0; b < 256; b++) inverse[table[b]!] = b;
  return inverse;
}

/** Code page 037. */
export const IBM_037: EbcdicCodePage = Object.freeze({
  name: 'ebcdic-037',
  toLatin1: IBM037_TO_LATIN1,
  fromLatin1: invert(IBM037_TO_LATIN1),
});

/** Code page 1047: jPOS's, and the one plain `ebcdic` means. */
export const IBM_1047: EbcdicCodePage = Object.freeze({
  name: 'ebcdic-1047',
  toLatin1: IBM1047_TO_LATIN1,
  fromLatin1: invert(IBM1047_TO_LATIN1),
});

/** The value encodings that are EBCDIC text, and their code pages. */
const CODE_PAGES: ReadonlyMap<string, EbcdicCodePage> = new Map([
  ['ebcdic', IBM_1047],
  ['ebcdic-1047', IBM_1047],
  ['ebcdic-037', IBM_037],
]);

/** The code page of a value encoding (`ebcdic`, `ebcdic-1047`, `ebcdic-037`), or `undefined` for any other. */
export function ebcdicCodePage(encoding: string): EbcdicCodePage | undefined {
  return CODE_PAGES.get(encoding);
}

/**
 * EBCDIC byte -> Latin-1 character code, code page 1047. Any code page reads digits, hex digits and signs the same;
 * text is read with the table of its field's code page.
 */
export const EBCDIC_TO_LATIN1: Uint8Array = IBM_1047.toLatin1;

/** Latin-1 character code -> EBCDIC byte, code page 1047 (see {@link EBCDIC_TO_LATIN1}). */
export const LATIN1_TO_EBCDIC: Uint8Array = IBM_1047.fromLatin1;

/**
 * Writes `value` as EBCDIC at `offset` with the table `fromLatin1` (default: code page 1047); returns the offset after
 * it. Characters above U+00FF are not written and make the function return -1 (the caller validated the value
 * first).
 */
export function writeEbcdic(buf: Uint8Array, offset: number, value: string, fromLatin1: Uint8Array = LATIN1_TO_EBCDIC): number {
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) return -1;
    buf[offset + i] = fromLatin1[c]!;
  }
  return offset + n;
}

/**
 * Below this many characters a string built one character at a time is already flat (V8 joins short strings by
 * copying); from it on, translating into a scratch buffer and cutting one Latin-1 string from it is faster.
 */
const SHORT_TEXT = 13;

/** The scratch buffer of long values (reads are synchronous: one at a time). Longer values get their own. */
const SCRATCH = Buffer.allocUnsafe(4096);

/** Node's internal Latin-1 slice (present on every Buffer; not in the type definitions). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (start: number, end: number) => string }).latin1Slice;

/** Reads `count` EBCDIC bytes at `offset` as a Latin-1 string with the table `toLatin1` (default: code page 1047). */
export function readEbcdic(buf: Uint8Array, offset: number, count: number, toLatin1: Uint8Array = EBCDIC_TO_LATIN1): string {
  if (count < SHORT_TEXT) {
    let out = '';
    for (let i = 0; i < count; i++) out += String.fromCharCode(toLatin1[buf[offset + i]!]!);
    return out;
  }
  const scratch = count <= SCRATCH.length ? SCRATCH : Buffer.allocUnsafe(count);
  for (let i = 0; i < count; i++) scratch[i] = toLatin1[buf[offset + i]!]!;
  return latin1Slice !== undefined ? latin1Slice.call(scratch, 0, count) : scratch.toString('latin1', 0, count);
}
