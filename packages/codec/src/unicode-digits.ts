import { maskWork } from './mask-work.js';

/*
 * Decimal digits other than ASCII `0`-`9` (Unicode \p{Nd}: full-width `４１１１` U+FF10-FF19, Arabic-Indic, Devanagari,
 * mathematical digits...): a card number typed on a phone or a CJK keyboard, or pasted from a formatted document, is a
 * card number all the same. The free-text masks (digit-runs.ts, the one rule) read such a text once more with every
 * such digit as its ASCII digit, and star in place each character that reading hides.
 */

/** A character that may be such a digit: none is below U+0660 (Arabic-Indic zero). */
const MAYBE_OTHER_DIGIT = /[\u0660-\uffff]/;
/** A decimal digit that is not ASCII. */
const OTHER_DIGIT = /(?![0-9])\p{Nd}/u;
const IS_DIGIT = /^\p{Nd}$/u;
const STAR = 0x2a;

/** The values of the digits met so far, by code point. */
const VALUES = new Map<number, number>();

/**
 * The value (0 to 9) of a decimal digit's code point. Unicode encodes every set of decimal digits as 10 code points in
 * a row, `0` first, and sets side by side (the mathematical digits, U+1D7CE-1D7FF) each start at a multiple of 10 from
 * the first: the value is the distance from the start of the row of digits, modulo 10.
 */
function digitValue(code: number): number {
  let value = VALUES.get(code);
  if (value === undefined) {
    let first = code;
    while (first > 0 && IS_DIGIT.test(String.fromCodePoint(first - 1))) first--;
    value = (code - first) % 10;
    VALUES.set(code, value);
  }
  return value;
}

/**
 * `out` (`text` with its own masks, of the same length) with what `mask` hides of `text` read with every decimal digit
 * that is not ASCII as its ASCII digit starred in place (a digit of two UTF-16 code units as `**`). `out` itself when
 * `text` holds no such digit (one look at the text). Linear in the length of `text`.
 */
export function maskOtherDigits(text: string, out: string, mask: (text: string) => string): string {
  if (!MAYBE_OTHER_DIGIT.test(text) || !OTHER_DIGIT.test(text)) return out;
  maskWork.steps += 2 * text.length;
  // The text read with ASCII digits, and where each of its characters starts in `text` (it ends where the next starts).
  const from = new Int32Array(text.length + 1);
  let folded = '';
  let n = 0;
  for (let i = 0; i < text.length; ) {
    const code = text.codePointAt(i)!;
    const units = code > 0xffff ? 2 : 1;
    const char = code >= 0x660 && IS_DIGIT.test(String.fromCodePoint(code)) ? String.fromCharCode(0x30 + digitValue(code)) : text.slice(i, i + units);
    for (let k = 0; k < char.length; k++) from[n++] = i + k;
    folded += char;
    i += units;
  }
  from[n] = text.length;
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
