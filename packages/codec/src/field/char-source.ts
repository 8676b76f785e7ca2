/**
 * Source text of the character checks of the compiled readers and packers (`compile-unpack.ts`, `js-run-check.ts`,
 * `compile-pack.ts`), made from the constants of `charset.ts`, their one home: what is generated is plain compares
 * of numbers, as fast as literals written by hand.
 */
import {
  DIGIT_FIRST,
  DIGIT_LAST,
  PRINTABLE_ASCII_LAST,
  PRINTABLE_FIRST,
  PRINTABLE_LATIN1_FIRST,
  UPPER_HEX_LETTER_FIRST,
  UPPER_HEX_LETTER_LAST,
} from './charset.js';

/** The 32-bit word literal of the byte `n` four times (`0x30303030` for 0x30). */
export function fourTimes(n: number): string {
  return `0x${n.toString(16).padStart(2, '0').repeat(4)}`;
}

/** A test of the byte `c` that is true when it is outside `first`-`last` (one unsigned compare). */
export function outsideSource(first: number, last: number): string {
  return `c - ${first} >>> 0 > ${last - first}`;
}

/** A test of the byte `c` that is true unless it is a digit `0`-`9`. */
export const NOT_DIGIT_BYTE = outsideSource(DIGIT_FIRST, DIGIT_LAST);

/** A test of the byte `c` that is true unless it is a printable Latin-1 character (`isPrintableCode`). */
export const NOT_PRINTABLE_BYTE =
  `c < ${PRINTABLE_FIRST} || (c > ${PRINTABLE_ASCII_LAST} && c < ${PRINTABLE_LATIN1_FIRST})`;

/** A test of the byte `c` that is true unless it is a hex digit in upper case (`isUpperHexCode`). */
export const NOT_UPPER_HEX_BYTE = `(${NOT_DIGIT_BYTE}) && (${outsideSource(UPPER_HEX_LETTER_FIRST, UPPER_HEX_LETTER_LAST)})`;
