/**
 * The character sets of the ISO 8583:1987 data-element types (clause 4.3), as bit masks over Latin-1 character
 * codes: one table lookup per character, no regular expressions.
 */
import type { FieldType } from '../types.js';

/** Digits 0-9. */
const DIGIT = 1;
/** Letters A-Z, a-z. */
const ALPHA = 2;
/** The space (pad) character. */
const SPACE = 4;
/** Printable special characters (punctuation, and printable Latin-1 above 0xA0). */
const SPECIAL = 8;
/** Track 2/3 separators as they appear in a message: `=` and `D`. */
const TRACK = 16;
/** Hex digits 0-9, A-F, a-f. */
const HEX = 32;

/** The code of the digit `0` (the digits are 0x30-0x39). */
export const DIGIT_FIRST = 0x30;
/** The code of the digit `9`. */
export const DIGIT_LAST = 0x39;
/** The first printable ASCII character: the space. */
export const PRINTABLE_FIRST = 0x20;
/** The last printable ASCII character: `~` (0x7F is a control character). */
export const PRINTABLE_ASCII_LAST = 0x7e;
/** The first printable Latin-1 character above ASCII (0x80-0x9F are control characters). */
export const PRINTABLE_LATIN1_FIRST = 0xa0;

/** True when `c` is the code of a digit `0`-`9` (type `n`). */
export function isDigitCode(c: number): boolean {
  return c - DIGIT_FIRST >>> 0 <= DIGIT_LAST - DIGIT_FIRST;
}

/** The code of the letter `A`, the first hex digit after `9` (upper case, as hex characters are written). */
export const UPPER_HEX_LETTER_FIRST = 0x41;
/** The code of the letter `F`, the last upper-case hex digit. */
export const UPPER_HEX_LETTER_LAST = 0x46;

/** True when `c` is the code of a hex digit in upper case: `0`-`9` or `A`-`F`. */
export function isUpperHexCode(c: number): boolean {
  return isDigitCode(c) || c - UPPER_HEX_LETTER_FIRST >>> 0 <= UPPER_HEX_LETTER_LAST - UPPER_HEX_LETTER_FIRST;
}

/** True when `c` is the code of a printable Latin-1 character (type `ans`): 0x20-0x7E and 0xA0-0xFF. */
export function isPrintableCode(c: number): boolean {
  return c >= PRINTABLE_FIRST && (c <= PRINTABLE_ASCII_LAST || (c >= PRINTABLE_LATIN1_FIRST && c <= 0xff));
}

/** Character code (0-255) -> the classes it belongs to. */
export const CLASS: Uint8Array = (() => {
  const table = new Uint8Array(256);
  for (let c = PRINTABLE_FIRST + 1; c <= PRINTABLE_ASCII_LAST; c++) table[c] = SPECIAL;
  for (let c = PRINTABLE_LATIN1_FIRST; c <= 0xff; c++) table[c] = SPECIAL;
  for (let c = DIGIT_FIRST; c <= DIGIT_LAST; c++) table[c] = DIGIT | HEX;
  for (let c = 0x41; c <= 0x5a; c++) table[c] = ALPHA;
  for (let c = 0x61; c <= 0x7a; c++) table[c] = ALPHA;
  for (let c = 0x41; c <= 0x46; c++) table[c] |= HEX;
  for (let c = 0x61; c <= 0x66; c++) table[c] |= HEX;
  table[PRINTABLE_FIRST] = SPACE;
  table[0x3d] |= TRACK;
  table[0x44] |= TRACK;
  return table;
})();

/** The character classes that each type allows. `xn` is checked by {@link isAmount}. */
export const TYPE_MASK: Readonly<Record<FieldType, number>> = {
  n: DIGIT,
  a: ALPHA | SPACE,
  an: ALPHA | DIGIT | SPACE,
  ans: ALPHA | DIGIT | SPACE | SPECIAL,
  as: ALPHA | SPACE | SPECIAL,
  ns: DIGIT | SPACE | SPECIAL,
  anp: ALPHA | DIGIT | SPACE,
  b: HEX,
  z: DIGIT | TRACK,
  xn: DIGIT,
};

/** The mask of hex digits (the message form of every binary value). */
export const HEX_MASK = HEX;

/**
 * Values of more characters than this are checked by the {@link typePattern} of their mask: a regular expression,
 * which V8 compiles to machine code, costs about 25 ns to call and under 1 ns a character, where a JavaScript loop
 * costs about 2 ns a character (measured on 2, 12, 37 and 130 characters; even at about 20).
 */
export const LONG_CHECK = 20;

/** The patterns of the masks, made on first use (a mask is at most 63). */
const PATTERNS: (RegExp | undefined)[] = new Array<RegExp | undefined>(64).fill(undefined);

/**
 * A regular expression that matches a whole string of Latin-1 characters of the classes of `mask` (and nothing with
 * a character above 0xFF), built from the {@link CLASS} table so that both say the same.
 */
export function typePattern(mask: number): RegExp {
  const known = PATTERNS[mask & 63];
  if (known !== undefined) return known;
  let set = '';
  for (let c = 0; c < 256; c++) {
    if ((CLASS[c]! & mask) === 0 || (c > 0 && (CLASS[c - 1]! & mask) !== 0)) continue;
    let last = c;
    while (last < 255 && (CLASS[last + 1]! & mask) !== 0) last++;
    set += last === c ? hexEscape(c) : `${hexEscape(c)}-${hexEscape(last)}`;
  }
  const pattern = new RegExp(set === '' ? '^$' : `^[${set}]*$`);
  PATTERNS[mask & 63] = pattern;
  return pattern;
}

function hexEscape(c: number): string {
  return `\\x${c.toString(16).padStart(2, '0')}`;
}

/** True when every character of `value` belongs to one of the classes of `mask`. */
export function allowed(value: string, mask: number): boolean {
  const n = value.length;
  if (n > LONG_CHECK) return typePattern(mask).test(value);
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || (CLASS[c]! & mask) === 0) return false;
  }
  return true;
}

/** The mask of type `ans`: every printable character. */
export const PRINTABLE = ALPHA | DIGIT | SPACE | SPECIAL;

/** The mask of type `n`: digits only. */
export const DIGITS = DIGIT;

/** The characters strict BCD carries: digits, and the separators of track data (`=` and `D` as nibble D). */
export const BCD_CHARACTERS = DIGIT | TRACK;

/**
 * True when the `count` bytes at `offset` (Latin-1 characters) all belong to one of the classes of `mask`. The two
 * commonest masks, digits (`n`) and every printable character (`ans`), are checked by range, the others by table.
 */
export function allowedBytes(buf: Uint8Array, offset: number, count: number, mask: number): boolean {
  const end = offset + count;
  if (mask === DIGIT) {
    for (let i = offset; i < end; i++) if (!isDigitCode(buf[i]!)) return false;
    return true;
  }
  if (mask === PRINTABLE) {
    for (let i = offset; i < end; i++) if (!isPrintableCode(buf[i]!)) return false;
    return true;
  }
  for (let i = offset; i < end; i++) if ((CLASS[buf[i]!]! & mask) === 0) return false;
  return true;
}

/** {@link isAmount} over the `count` bytes at `offset`. */
export function isAmountBytes(buf: Uint8Array, offset: number, count: number): boolean {
  if (count === 0) return true;
  const s = buf[offset]!;
  if (s !== 0x43 && s !== 0x44 && (s < 0x30 || s > 0x39)) return false;
  const end = offset + count;
  for (let i = offset + 1; i < end; i++) {
    const c = buf[i]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * True when `value` is an `x+n` amount: a sign `C` (credit) or `D` (debit) and digits. A first character that is a
 * digit is accepted too: jPOS (`IFA_AMOUNT`, `IFB_AMOUNT`) sends such amounts unsigned, e.g. `000000100`.
 */
export function isAmount(value: string): boolean {
  const n = value.length;
  if (n === 0) return true;
  const s = value.charCodeAt(0);
  if (s !== 0x43 && s !== 0x44 && (s < 0x30 || s > 0x39)) return false;
  for (let i = 1; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/** True when every character of `value` is Latin-1 (can travel as one ASCII or EBCDIC byte). */
export function isLatin1(value: string): boolean {
  const n = value.length;
  for (let i = 0; i < n; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

/** True when every character can be a BCD nibble: digits, `A`-`F` (lenient), `=` (track separator). */
export function isNibbles(value: string): boolean {
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || ((CLASS[c]! & HEX) === 0 && c !== 0x3d)) return false;
  }
  return true;
}
