import { maskWork } from './mask-work.js';

/*
 * The characters numbers are written with in free text, as the free-text masks read them (digit-runs.ts, the rule;
 * loose-groups.ts): digits, and the separators people put between a number's groups. Internal: not exported from the
 * package's index.
 */

const TAB = 0x09;
const SPACE = 0x20;
const PLUS = 0x2b;
const DASH = 0x2d;
const PERCENT = 0x25;

/** Whether a character code is a digit `0`-`9`. */
export function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** The value of a hex digit's character code (`0`-`9`, `a`-`f`, `A`-`F`), -1 for any other character. */
export function hexDigit(code: number): number {
  if (isDigit(code)) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Whether `code` is a Unicode space separator (\p{Zs}) other than the plain space: U+00A0 (a page's `&nbsp;`), U+1680,
 * U+2000 to U+200A (en, em, figure, thin, hair spaces...), U+202F (`Intl.NumberFormat`'s group separator), U+205F,
 * U+3000 (ideographic). A code-point check, no regex per character.
 */
function isOtherSpace(code: number): boolean {
  if (code < 0xa0) return false;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x202f || code === 0x205f || code === 0x3000;
}

/**
 * Whether `code` is a Unicode dash other than the ASCII hyphen-minus: U+2010 to U+2015 (hyphen, non-breaking hyphen,
 * figure dash, en dash, em dash, horizontal bar: what a word processor or a mail client makes of `-`), U+2212 (minus),
 * U+FE58, U+FE63 and U+FF0D (small and full-width forms). A code-point check, no regex per character.
 */
function isOtherDash(code: number): boolean {
  if (code < 0x2010) return false;
  return code <= 0x2015 || code === 0x2212 || code === 0xfe58 || code === 0xfe63 || code === 0xff0d;
}

/**
 * Whether `code` is a separator of numbers in groups beyond ASCII: a Unicode space ({@link isOtherSpace}) or dash
 * ({@link isOtherDash}). The decoded reading of escapes (digit-escapes.ts) decodes an escape of one (`&#160;`, `\u2013`,
 * `%C2%A0`).
 */
export function isUnicodeSeparator(code: number): boolean {
  return isOtherSpace(code) || isOtherDash(code);
}

/**
 * Where the separator at `at` ends, `at` when there is none: a space (also any other Unicode space separator, \p{Zs}:
 * U+00A0, U+2007, U+202F, U+2009, U+3000...: a number formatted for people), a tab, a dash (also any other Unicode
 * dash: en dash U+2013, em dash U+2014, figure dash U+2012, minus U+2212, full-width U+FF0D...), a plus (a space in a
 * form-encoded query), or the percent-escape of a space, a dash or a plus (`%20`, `%2D`, `%2B`, either case: a URL
 * written as it came).
 */
export function separatorEnd(text: string, at: number): number {
  const code = text.charCodeAt(at);
  if (code === SPACE || code === DASH || code === TAB || code === PLUS) return at + 1;
  if (isOtherSpace(code) || isOtherDash(code)) return at + 1;
  if (code !== PERCENT || text.charCodeAt(at + 1) !== 0x32) return at;
  const low = text.charCodeAt(at + 2) | 0x20;
  return low === 0x30 || low === 0x64 /* d */ || low === 0x62 /* b */ ? at + 3 : at;
}

/**
 * Where the separator at `at` ends when it may join loose groups (loose-groups.ts; the inbound sequence logger's
 * pieces of a PAN), `at` when there is none: one of {@link separatorEnd}'s, or `.`, `/`, `_`, `,`, `:` or `|`.
 */
export function looseSeparatorEnd(text: string, at: number): number {
  const code = text.charCodeAt(at);
  if (code === 0x2e || code === 0x2f || code === 0x5f || code === 0x2c || code === 0x3a || code === 0x7c) return at + 1;
  return separatorEnd(text, at);
}

/** Where the run of digits that starts at `at` ends. */
export function runEnd(text: string, at: number): number {
  let i = at;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  maskWork.steps += i - at + 1;
  return i;
}
