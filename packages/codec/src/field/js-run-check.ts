/**
 * The character check of a compiled reader in JavaScript, where WebAssembly is missing (`class-check.ts` says
 * which): source inlined into the compiled reader (`compile-unpack.ts`) that checks each run of bytes as soon as it
 * is cut, 4 bytes at a time through a `DataView` of the reader's own copy of the message (`Reader.copied`).
 */
import { UPPER_HEX_CLASS } from './class-check.js';
import { DIGITS, DIGIT_FIRST, DIGIT_LAST, PRINTABLE, PRINTABLE_ASCII_LAST, PRINTABLE_FIRST, PRINTABLE_LATIN1_FIRST } from './charset.js';
import { NOT_DIGIT_BYTE, NOT_PRINTABLE_BYTE, NOT_UPPER_HEX_BYTE, fourTimes } from './char-source.js';

/**
 * The declarations the checks below use: the view `dv` of the copy of the bytes up to `end` (an expression of the
 * compiled reader: the most its message can take), or a return for bytes too long to copy.
 */
export function jsCheckStart(end: string): string {
  return `const dv = r.copied(${end});\nif (dv === undefined) return;\nlet i = 0, x = 0, bad = 0;\n`;
}

/** Gives up when a check of a run so far found a stray byte (a word check only notes it in `bad`). */
export const JS_CHECK_DONE = 'if (bad !== 0) return;\n';

/**
 * The word of the 4 bytes at `i` (little-endian: the byte at `i` is the lowest), for the checks of 4 characters at
 * once below: one load from the reader's copy of the bytes.
 */
const WORD = 'x = dv.getInt32(i, true);';

/**
 * Non-zero unless the 4 bytes of the variable `x` are all digits `0`-`9`: high nibble that of `0` (3), low nibble
 * under 10 (the digits `0`-`9` share their high nibble: adding 16 - 10 carries out of a low nibble of 10 or more).
 */
export function notDigits(x: string): string {
  return `(((${x} & 0xf0f0f0f0) ^ ${fourTimes(DIGIT_FIRST & 0xf0)}) | ((${x} & 0x0f0f0f0f) + ${fourTimes(16 - (DIGIT_LAST - DIGIT_FIRST + 1))} & 0xf0f0f0f0))`;
}

const NOT_DIGITS = notDigits('x');

/**
 * Non-zero unless the 4 bytes of `x` are all printable (0x20-0x7E, 0xA0-0xFF; see `charset.ts`): each byte's low 7
 * bits at least 0x20 (which leaves out 0x00-0x1F and 0x80-0x9F), and no byte 0x7F (a zero byte of `x ^ 0x7f..`).
 */
const NOT_PRINTABLE = ((): string => {
  // The word test relies on Latin-1's printable range above 0x80 starting where ASCII's does, 0x80 higher.
  if (PRINTABLE_LATIN1_FIRST - 0x80 !== PRINTABLE_FIRST || PRINTABLE_ASCII_LAST !== 0x7e) throw new Error('charset.ts: printable ranges moved');
  const del = fourTimes(PRINTABLE_ASCII_LAST + 1);
  return `((((x & 0x7f7f7f7f) + ${fourTimes(0x80 - PRINTABLE_FIRST)} & 0x80808080) ^ 0x80808080) | ((x ^ ${del}) - 0x01010101 & ~(x ^ ${del}) & 0x80808080))`;
})();

/**
 * The check of the bytes from `rs` to `off` against the class `cls` (a mask of `charset.ts`, or
 * {@link UPPER_HEX_CLASS}): returns `undefined` on a stray byte, or leaves `bad` non-zero, looked at before the
 * message is made. Digits and printable characters, the commonest classes, are checked 4 at a time (measured about
 * 3 times as fast as a byte at a time over 40 bytes and more); a class with digits and more (`an`, `z` ...) takes 4
 * digits at once and looks up the bytes of any other word.
 */
export function jsRunCheck(cls: number): string {
  // Words from `rs`, 8 bytes a turn, and the last 4 bytes as a word (again, when the run is not a multiple of 4);
  // a run under 4 bytes byte by byte.
  const words = (each: string, byteTest: string): string =>
    `if (off - rs >= 4) { for (i = rs; i + 8 <= off; i += 8) { ${WORD} ${each} x = dv.getInt32(i + 4, true); ${each} } ` +
    `if (i + 4 <= off) { ${WORD} ${each} } x = dv.getInt32(off - 4, true); ${each} } ` +
    `else for (i = rs; i < off; i++) { const c = buf[i]; if (${byteTest}) return; }\n`;
  const table = `(C[c] & ${cls}) === 0`;
  if (cls === DIGITS) return words(`bad |= ${NOT_DIGITS};`, NOT_DIGIT_BYTE);
  if (cls === PRINTABLE) return words(`bad |= ${NOT_PRINTABLE};`, NOT_PRINTABLE_BYTE);
  if (cls === UPPER_HEX_CLASS) return `for (i = rs; i < off; i++) { const c = buf[i]; if (${NOT_UPPER_HEX_BYTE}) return; }\n`;
  if ((cls & DIGITS) !== 0) {
    const byte = (at: string): string => `(C[${at}] & ${cls}) === 0`;
    const slow = `${byte('x & 255')} || ${byte('x >> 8 & 255')} || ${byte('x >> 16 & 255')} || ${byte('x >>> 24')}`;
    return words(`if (${NOT_DIGITS} !== 0 && (${slow})) return;`, table);
  }
  return `for (i = rs; i < off; i++) { const c = buf[i]; if (${table}) return; }\n`;
}
