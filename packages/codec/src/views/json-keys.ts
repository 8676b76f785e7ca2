/**
 * Keys given twice in one object of a JSON text, and numbers written so that `JSON.parse` reads them as another whole
 * number. `JSON.parse` keeps the last of two keys without a word, so a message with
 * `"4":"000000000100","4":"000000099999"` would be sent with the second amount; and it reads `"4": 25.00` (also `2.5e1`,
 * `25e0`, `-0`) as the whole number 25, sent as 25 minor units when 25.00 was meant. The JSON readers name both
 * instead (as the XML reader names a field given twice). One linear pass over text that already parsed.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** A character a JSON number may hold after its first. */
const NUMBER_CHARS = /[0-9.eE+-]/;

/** How many repeats {@link repeatedKeys} names by default (a hostile text may hold a repeat every six characters). */
export const MAX_REPEATED_KEYS = 100;

/**
 * Why a JSON number written with a decimal point or an exponent, or as `-0`, is refused as a field value (the same
 * words wherever JSON text is read: the codec's `fromJson`, the HTTP routes' body parser). Never quotes the value.
 */
export const INEXACT_NUMBER_REASON = 'a number written with a decimal point, an exponent or as -0 (JSON reads 25.00 as 25): write whole digits';

/**
 * Whether the JSON number token `token` is one {@link INEXACT_NUMBER_REASON} refuses: written with `.`, `e` or `E`
 * (`25.00`, `2.5e1`, `1E2`, `0.0`), or `-0`. Such a token reads as a whole number (`25.00` is 25) unlike what was meant.
 */
export function isInexactNumber(token: string): boolean {
  return token === '-0' || /[.eE]/.test(token);
}

/**
 * Why a JSON number written in whole digits that `JSON.parse` cannot keep is refused (`6799990100000000018` reads as
 * `6799990100000000000`, another card number): the codec's word for a number past 2^53 - 1 (`fromJson`), and for one
 * whose digits read back otherwise (the HTTP bodies, {@link isTooBigNumber}). Never quotes the value.
 */
export const TOO_BIG_NUMBER_REASON = 'a number too big to keep every digit: give it as a string';

/**
 * Whether the JSON number token `token`, written in whole digits, reads back as other digits (`String(Number(token))`
 * differs): most numbers past 2^53 (their last digits rounded: 2^53 + 1 reads as 2^53), and every one of 22 digits or
 * more (written back with an exponent, 10^21 as `1e+21`), even one a double holds exactly (2^64). A number past 2^53
 * that reads back as written (2^53 + 2) is not one: pack refuses it (past 2^53 - 1). Only a token of 16 characters or
 * more can be (2^53 has 16 digits), so the cost stays off short tokens.
 */
export function isTooBigNumber(token: string): boolean {
  return token.length > 15 && !isInexactNumber(token) && String(Number(token)) !== token;
}

/**
 * What {@link scanRepeatedKeys} finds: the first repeats named, how many it found in all, the first inexact numbers
 * ({@link isInexactNumber}), and the deepest nesting.
 */
export interface RepeatedKeyScan {
  /** The first repeats (at most the `most` asked for), each as its path of keys from the top. */
  named: string[][];
  /** Every repeat found, named or not (repeats in objects deeper than the `deepest` asked for are not looked for). */
  count: number;
  /**
   * The first values (at most the `most` asked for) that are numbers written with a decimal point, an exponent or as
   * `-0`, each as the path of keys of the value (an array's items named by the array's key); looked for at any depth.
   */
  inexact: string[][];
  /**
   * The first values (at most the `most` asked for) that are numbers in whole digits `JSON.parse` reads as another
   * number ({@link isTooBigNumber}), each as its path of keys as in `inexact`; looked for at any depth.
   */
  tooBig: string[][];
  /** How deep objects and arrays nest in the text (`{}` is 1). */
  depth: number;
}

/**
 * Each key of `text` (valid JSON) given again in the same object, as its path of keys from the top (`["4"]`,
 * `["48", "1"]`): one entry per repeat, in the order of the text, the first `most` of them (default
 * {@link MAX_REPEATED_KEYS}; a path is copied only for those, so the cost stays linear however deep and however many
 * the repeats). Keys under an array are named by the array's key.
 */
export function repeatedKeys(text: string, most = MAX_REPEATED_KEYS): string[][] {
  return scanRepeatedKeys(text, most).named;
}

/**
 * The values of `text` (valid JSON) that are numbers written with a decimal point, an exponent or as `-0`
 * ({@link isInexactNumber}), each as its path of keys from the top (`["4"]`), the first `most` of them (default
 * {@link MAX_REPEATED_KEYS}). `JSON.parse` reads `25.00` as 25: an amount so written would be sent as 25 minor units.
 */
export function inexactNumbers(text: string, most = MAX_REPEATED_KEYS): string[][] {
  return scanRepeatedKeys(text, most).inexact;
}

/**
 * The repeats of `text` (see {@link repeatedKeys}): the first `most` named, all counted, looked for only in objects
 * nested at most `deepest` deep (default: any depth; a reader that refuses deeper nesting need not look there), the
 * first `most` inexact numbers ({@link inexactNumbers}) and numbers too big to keep ({@link isTooBigNumber}), and the depth of the text, in one linear pass.
 */
export function scanRepeatedKeys(text: string, most: number, deepest = Infinity): RepeatedKeyScan {
  const named: string[][] = [];
  const inexact: string[][] = [];
  const tooBig: string[][] = [];
  let count = 0;
  let depth = 0;
  // One entry per open object (its keys so far) or array (undefined), and the key each one sits under.
  const open: (Set<string> | undefined)[] = [];
  const under: string[] = [];
  let expectKey = false;
  let lastKey = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      // The closing quote: the next one not escaped (after an even run of backslashes), found by the native search.
      for (i = text.indexOf('"', i + 1); i > 0; i = text.indexOf('"', i + 1)) {
        let backslashes = 0;
        while (text.charCodeAt(i - 1 - backslashes) === BACKSLASH) backslashes++;
        if (backslashes % 2 === 0) break;
      }
      if (i < 0) break;
      if (!expectKey) continue;
      expectKey = false;
      const raw = text.slice(start + 1, i);
      // A key with an escape (`"\u0034"` is `"4"`) is compared as JSON.parse reads it.
      lastKey = raw.includes('\\') ? (JSON.parse(text.slice(start, i + 1)) as string) : raw;
      const keys = open[open.length - 1];
      if (keys === undefined || open.length > deepest) continue;
      if (!keys.has(lastKey)) keys.add(lastKey);
      else if (count++ < most) named.push([...under.slice(1), lastKey]);
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      under.push(lastKey);
      open.push(c === OPEN_OBJECT ? new Set() : undefined);
      if (open.length > depth) depth = open.length;
      expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      open.pop();
      lastKey = under.pop() ?? '';
      expectKey = false;
    } else if (c === COMMA) {
      expectKey = open[open.length - 1] !== undefined;
    } else if (c === MINUS || (c >= DIGIT_0 && c <= DIGIT_9)) {
      // A number (outside a string, every digit and minus is one's): to its last character.
      const start = i;
      while (i + 1 < text.length && NUMBER_CHARS.test(text.charAt(i + 1))) i++;
      const token = text.slice(start, i + 1);
      const path = (): string[] => (open[open.length - 1] === undefined ? under.slice(1) : [...under.slice(1), lastKey]);
      if (inexact.length < most && isInexactNumber(token)) inexact.push(path());
      else if (tooBig.length < most && isTooBigNumber(token)) tooBig.push(path());
    }
  }
  return { named, count, inexact, tooBig, depth };
}
