import { maskWork } from './mask-work.js';

/*
 * Decimal digits other than ASCII `0`-`9` (Unicode \p{Nd}: full-width `４１１１` U+FF10-FF19, Arabic-Indic, Devanagari,
 * mathematical digits...): a card number typed on a phone or a CJK keyboard, or pasted from a formatted document, is a
 * card number all the same. So is one with invisible characters between its digits (a zero-width space U+200B, a soft
 * hyphen U+00AD, a word joiner U+2060, a byte order mark U+FEFF: any format character, \p{Cf}) or combining marks on
 * them (U+0301...: any \p{M}), and one whose track separator or gaps are full-width forms (`＝`, `＾`, `．`: U+FF01-FF5E). The free-text masks (digit-runs.ts, the one rule) read such a text once more with every
 * such digit as its ASCII digit and every such invisible character left out, and star in place each character that
 * reading hides (an invisible character is kept as it is).
 */

/** The first code unit that may be such a digit or invisible character: none is below U+00AD (the soft hyphen). */
const FIRST_OTHER = 0xad;
const IS_DIGIT = /^\p{Nd}$/u;
const ALL_DIGITS = /\p{Nd}/gu;
const IS_INVISIBLE = /^[\p{M}\p{Cf}]$/u;
const ALL_INVISIBLE = /[\p{M}\p{Cf}]/gu;
const STAR = 0x2a;
/** In {@link BMP_VALUES}: a code unit that is no decimal digit. */
const NOT_DIGIT = 0xff;
/** In {@link BMP_VALUES}: a surrogate, read with the code unit after it (a mathematical digit, U+1D7CE-1D7FF). */
const SURROGATE = 0xfe;
/** In {@link BMP_VALUES}: a format character or a combining mark, read as nothing. */
export const INVISIBLE = 0xfd;

/**
 * The value (0 to 9) of every code unit of the Basic Multilingual Plane that is a decimal digit, {@link INVISIBLE},
 * {@link NOT_DIGIT} or {@link SURROGATE} for the others: made once, the first time a text holds a code unit from
 * U+00AD on, so that a text is read by its code units with no regular expression (one over a MiB with a `’` or `€` in
 * it cost 8 to 16 ms).
 */
let bmpValues: Uint8Array | undefined;

function valuesTable(): Uint8Array {
  if (bmpValues) return bmpValues;
  const table = new Uint8Array(0x10000).fill(NOT_DIGIT);
  for (let code = 0x30; code <= 0x39; code++) table[code] = code - 0x30;
  table.fill(SURROGATE, 0xd800, 0xe000);
  // One look over every code unit from U+00AD on (surrogates left out), not one test per code unit: a few ms, once.
  const units = new Uint16Array(0x10000 - FIRST_OTHER - 0x800);
  for (let code = FIRST_OTHER, k = 0; code < 0x10000; code++) if (code < 0xd800 || code > 0xdfff) units[k++] = code;
  const all = Buffer.from(units.buffer).toString('utf16le');
  for (const match of all.matchAll(ALL_INVISIBLE)) table[match[0].charCodeAt(0)] = INVISIBLE;
  for (const match of all.matchAll(ALL_DIGITS)) {
    const code = match[0].charCodeAt(0);
    table[code] = digitValue(code);
  }
  bmpValues = table;
  return table;
}

/**
 * The value (0 to 9) of a decimal digit's code point. Unicode encodes every set of decimal digits as 10 code points in
 * a row, `0` first, and sets side by side (the mathematical digits, U+1D7CE-1D7FF) each start at a multiple of 10 from
 * the first: the value is the distance from the start of the row of digits, modulo 10.
 */
function digitValue(code: number): number {
  let first = code;
  while (first > 0 && IS_DIGIT.test(String.fromCodePoint(first - 1))) first--;
  return (code - first) % 10;
}

/**
 * The most astral code points whose value {@link ASTRAL_VALUES} keeps: a text of CJK extension characters or emoji
 * meets thousands of distinct ones, and a cache that kept each would grow with every text a process masks. When full it
 * is emptied and filled again (the values are a few regex tests each to find again).
 */
const ASTRAL_CACHED = 1024;

/** The values of the astral code points met lately, by code point ({@link INVISIBLE}, or {@link NOT_DIGIT} for one that is neither). */
const ASTRAL_VALUES = new Map<number, number>();

/** The last code point of Unicode. */
const MAX_CODE_POINT = 0x10ffff;

/** The least code point a UTF-8 sequence of 1, 2 or 3 bytes after its lead byte spells (less is an overlong form). */
const UTF8_LEAST = [0x80, 0x800, 0x10000];

/**
 * Whether `code`, read from a UTF-8 lead byte and `more` (1 to 3) bytes after it, is a character UTF-8 spells so: no
 * overlong form, and a Unicode scalar value (at most U+10FFFF, no surrogate). `F4 90 80 80` reads as 0x110000, which is
 * no code point: the bytes of a MAC or a binary blob shown as hex hold such a sequence by chance, and spell nothing.
 */
export function utf8Scalar(code: number, more: number): boolean {
  return code >= UTF8_LEAST[more - 1]! && code <= MAX_CODE_POINT && (code < 0xd800 || code > 0xdfff);
}

function astralValue(code: number): number {
  // Past U+10FFFF is no code point (String.fromCodePoint would throw): no digit, whatever decoded it.
  if (code > MAX_CODE_POINT) return NOT_DIGIT;
  let value = ASTRAL_VALUES.get(code);
  if (value === undefined) {
    const char = String.fromCodePoint(code);
    value = IS_DIGIT.test(char) ? digitValue(code) : IS_INVISIBLE.test(char) ? INVISIBLE : NOT_DIGIT;
    if (ASTRAL_VALUES.size >= ASTRAL_CACHED) ASTRAL_VALUES.clear();
    ASTRAL_VALUES.set(code, value);
  }
  return value;
}

/** How many astral code points' values are cached (at most {@link ASTRAL_CACHED}). Internal, for the tests. */
export function astralValuesCached(): number {
  return ASTRAL_VALUES.size;
}

/** How far a full-width form of an ASCII character (U+FF01-FF5E: `＝`, `＾`, `．`, `／`, `Ｄ`) is from it. */
const FULL_WIDTH_OFFSET = 0xfee0;

/**
 * Whether `code` is a full-width form of an ASCII character (U+FF01-FF5E): the fold reads it as that character, so
 * that a track separator `＝` or `＾`, a loose gap `．` or `／`, typed on a CJK keyboard with the digits, is read as one.
 */
export function fullWidthForm(code: number): boolean {
  return code >= 0xff01 && code <= 0xff5e;
}

/**
 * How the fold reads the code point `code`: its value (0 to 9) when it is a decimal digit, {@link INVISIBLE} when it is
 * a format character or a combining mark (read as nothing), {@link NOT_DIGIT} (or more) for any other, and for a
 * number past U+10FFFF (no code point: what 4 bytes `F4 90 80 80` decode to). For the
 * decoded reading of escapes (digit-escapes.ts: `&#65300;`, `\uff14`, `%EF%BC%94`, `&#8203;`).
 */
export function foldedValue(code: number): number {
  if (code < 0x10000) return code < FIRST_OTHER ? (code >= 0x30 && code <= 0x39 ? code - 0x30 : NOT_DIGIT) : valuesTable()[code]!;
  return astralValue(code);
}

/**
 * True when `text` holds a decimal digit that is not ASCII, or an invisible character ({@link INVISIBLE}): a loop over
 * its code units, those below U+00AD skipped.
 */
function needsFold(text: string): boolean {
  let table: Uint8Array | undefined;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < FIRST_OTHER) continue;
    table ??= valuesTable();
    const value = table[unit]!;
    if (value < 10 || value === INVISIBLE || fullWidthForm(unit)) return true;
    if (value === SURROGATE && unit <= 0xdbff) {
      const astral = astralValue(text.codePointAt(i)!);
      if (astral < 10 || astral === INVISIBLE) return true;
    }
  }
  return false;
}

/**
 * `out` (`text` with its own masks, of the same length) with what `mask` hides of `text` read with every decimal digit
 * that is not ASCII as its ASCII digit, every full-width form as its ASCII character, and every invisible character ({@link INVISIBLE}: `4111\u200b1111...`) left
 * out, starred in place (a digit of two UTF-16 code units as `**`; an invisible character kept as it is). `out` itself
 * when `text` holds no such character (one look at the text). Linear in the length of `text`.
 */
export function maskOtherDigits(text: string, out: string, mask: (text: string) => string): string {
  if (!needsFold(text)) return out;
  maskWork.steps += 2 * text.length;
  const table = valuesTable();
  // The text read with ASCII digits and without its invisible characters (its code units, decoded once), and where
  // each of its characters is in `text`: [from[k], to[k]) (an astral character, two units, reads as one).
  const units = new Uint16Array(text.length);
  const from = new Int32Array(text.length);
  const to = new Int32Array(text.length);
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    from[n] = i;
    to[n] = i + 1;
    if (unit < FIRST_OTHER) {
      units[n++] = unit;
      continue;
    }
    const value = table[unit]!;
    if (value < 10) units[n++] = 0x30 + value;
    else if (value === INVISIBLE) continue;
    else if (fullWidthForm(unit)) units[n++] = unit - FULL_WIDTH_OFFSET;
    else if (value === SURROGATE && unit <= 0xdbff && i + 1 < text.length) {
      const astral = astralValue(text.codePointAt(i)!);
      if (astral === INVISIBLE) i++;
      else if (astral < 10) {
        units[n] = 0x30 + astral;
        to[n++] = i + 2;
        i++;
      } else units[n++] = unit;
    } else units[n++] = unit;
  }
  const folded = Buffer.from(units.buffer, 0, 2 * n).toString('utf16le');
  const masked = mask(folded);
  if (masked === folded) return out;
  const chars = Buffer.from(out, 'utf16le');
  for (let k = 0; k < folded.length; k++) {
    if (masked.charCodeAt(k) === folded.charCodeAt(k)) continue;
    // A folded digit of two units (an astral digit) stars both.
    for (let i = from[k]!; i < to[k]!; i++) chars.writeUInt16LE(STAR, 2 * i);
  }
  return chars.toString('utf16le');
}

/**
 * `text` masked by `settle` (the rule over the text as it is, settled: digit-runs.ts) and by the fold
 * ({@link maskOtherDigits} with `mask`), and the text so masked masked again the same way until that changes nothing,
 * `passes` at most: the stars the fold's reading puts in the text change what the text's own reading finds (a run the
 * fold masked, `100000004111` before `.1111.1111.1111４１`, shows `4111.1111.1111.1111`, a card number in loose
 * groups, to the text's reading), and the reverse. A text that the last pass still changed fails closed: `failClosed`
 * over it and over its fold (every digit starred). Once, as before, when the fold hides nothing `settle` did not.
 */
export function maskSettledWithFold(text: string, settle: (text: string) => string, mask: (text: string) => string,
  passes: number, failClosed: (text: string) => string): string {
  const settled = settle(text);
  let masked = maskOtherDigits(text, settled, mask);
  if (masked === settled) return masked;
  for (let pass = 1; pass < passes; pass++) {
    const before = masked;
    masked = maskOtherDigits(before, settle(before), mask);
    if (masked === before) return masked;
  }
  return maskOtherDigits(masked, failClosed(masked), failClosed);
}
