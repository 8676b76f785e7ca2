import { maskWork } from './mask-work.js';

/*
 * Decimal digits other than ASCII `0`-`9` (Unicode \p{Nd}: full-width `４１１１` U+FF10-FF19, Arabic-Indic, Devanagari,
 * mathematical digits...): a card number typed on a phone or a CJK keyboard, or pasted from a formatted document, is a
 * card number all the same. The free-text masks (digit-runs.ts, the one rule) read such a text once more with every
 * such digit as its ASCII digit, and star in place each character that reading hides.
 */

/** The first code unit that may be such a digit: none is below U+0660 (Arabic-Indic zero). */
const FIRST_OTHER = 0x660;
const IS_DIGIT = /^\p{Nd}$/u;
const ALL_DIGITS = /\p{Nd}/gu;
const STAR = 0x2a;
/** In {@link BMP_VALUES}: a code unit that is no decimal digit. */
const NOT_DIGIT = 0xff;
/** In {@link BMP_VALUES}: a surrogate, read with the code unit after it (a mathematical digit, U+1D7CE-1D7FF). */
const SURROGATE = 0xfe;

/**
 * The value (0 to 9) of every code unit of the Basic Multilingual Plane that is a decimal digit, {@link NOT_DIGIT} or
 * {@link SURROGATE} for the others: made once, the first time a text holds a code unit from U+0660 on, so that a text
 * is read by its code units with no regular expression (one over a MiB with a `’` or `€` in it cost 8 to 16 ms).
 */
let bmpValues: Uint8Array | undefined;

function valuesTable(): Uint8Array {
  if (bmpValues) return bmpValues;
  const table = new Uint8Array(0x10000).fill(NOT_DIGIT);
  for (let code = 0x30; code <= 0x39; code++) table[code] = code - 0x30;
  table.fill(SURROGATE, 0xd800, 0xe000);
  // One look over every code unit from U+0660 on (surrogates left out), not one test per code unit: a few ms, once.
  const units = new Uint16Array(0x10000 - FIRST_OTHER - 0x800);
  for (let code = FIRST_OTHER, k = 0; code < 0x10000; code++) if (code < 0xd800 || code > 0xdfff) units[k++] = code;
  const all = Buffer.from(units.buffer).toString('utf16le');
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

/** The values of the astral code points met lately, by code point ({@link NOT_DIGIT} for one that is no digit). */
const ASTRAL_VALUES = new Map<number, number>();

function astralValue(code: number): number {
  let value = ASTRAL_VALUES.get(code);
  if (value === undefined) {
    value = IS_DIGIT.test(String.fromCodePoint(code)) ? digitValue(code) : NOT_DIGIT;
    if (ASTRAL_VALUES.size >= ASTRAL_CACHED) ASTRAL_VALUES.clear();
    ASTRAL_VALUES.set(code, value);
  }
  return value;
}

/** How many astral code points' values are cached (at most {@link ASTRAL_CACHED}). Internal, for the tests. */
export function astralValuesCached(): number {
  return ASTRAL_VALUES.size;
}

/** True when `text` holds a decimal digit that is not ASCII: a loop over its code units, those below U+0660 skipped. */
function hasOtherDigit(text: string): boolean {
  let table: Uint8Array | undefined;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < FIRST_OTHER) continue;
    table ??= valuesTable();
    const value = table[unit]!;
    if (value < 10) return true;
    if (value === SURROGATE && unit <= 0xdbff && astralValue(text.codePointAt(i)!) < 10) return true;
  }
  return false;
}

/**
 * `out` (`text` with its own masks, of the same length) with what `mask` hides of `text` read with every decimal digit
 * that is not ASCII as its ASCII digit starred in place (a digit of two UTF-16 code units as `**`). `out` itself when
 * `text` holds no such digit (one look at the text). Linear in the length of `text`.
 */
export function maskOtherDigits(text: string, out: string, mask: (text: string) => string): string {
  if (!hasOtherDigit(text)) return out;
  maskWork.steps += 2 * text.length;
  const table = valuesTable();
  // The text read with ASCII digits (its code units, decoded once), and where each of its characters starts in `text`
  // (it ends where the next starts): an astral digit, two units, reads as one.
  const units = new Uint16Array(text.length);
  const from = new Int32Array(text.length + 1);
  let n = 0;
  for (let i = 0; i < text.length; i++, n++) {
    const unit = text.charCodeAt(i);
    from[n] = i;
    if (unit < FIRST_OTHER) {
      units[n] = unit;
      continue;
    }
    const value = table[unit]!;
    if (value < 10) units[n] = 0x30 + value;
    else if (value === SURROGATE && unit <= 0xdbff && i + 1 < text.length) {
      const astral = astralValue(text.codePointAt(i)!);
      if (astral < 10) {
        units[n] = 0x30 + astral;
        i++;
      } else units[n] = unit;
    } else units[n] = unit;
  }
  from[n] = text.length;
  const folded = Buffer.from(units.buffer, 0, 2 * n).toString('utf16le');
  const masked = mask(folded);
  if (masked === folded) return out;
  const chars = Buffer.from(out, 'utf16le');
  for (let k = 0; k < folded.length; k++) {
    if (masked.charCodeAt(k) === folded.charCodeAt(k)) continue;
    // A folded digit of two units (an astral digit) stars both.
    for (let i = from[k]!; i < from[k + 1]!; i++) chars.writeUInt16LE(STAR, 2 * i);
  }
  return chars.toString('utf16le');
}
