/**
 * A length prefix written as decimal digit characters (LLVAR "12"): ASCII digits 0x30-0x39 or EBCDIC digits
 * 0xF0-0xF9. `digits` characters, most significant first.
 */

/** The byte of digit 0: 0x30 in ASCII, 0xF0 in EBCDIC. */
export const ASCII_ZERO = 0x30;
/** The byte of digit 0 in EBCDIC. */
export const EBCDIC_ZERO = 0xf0;

/** Writes `length` as `digits` decimal characters whose zero is `zero`; returns the offset after them. */
export function writeDecimalPrefix(buf: Uint8Array, offset: number, length: number, digits: number, zero: number): number {
  let v = length;
  for (let i = digits - 1; i >= 0; i--) {
    buf[offset + i] = zero + (v % 10);
    v = Math.floor(v / 10);
  }
  return offset + digits;
}

/** Reads `digits` decimal characters whose zero is `zero`; returns the number, or -1 when one is not a digit. */
export function readDecimalPrefix(buf: Uint8Array, offset: number, digits: number, zero: number): number {
  let v = 0;
  for (let i = 0; i < digits; i++) {
    const d = buf[offset + i]! - zero;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Tables of {@link decimalPrefixStrings}, by number of digits. */
const STRINGS: string[][] = [];

/**
 * The ASCII length prefixes of `digits` digits as strings, by value (`decimalPrefixStrings(2)[7]` is `"07"`), for
 * code that joins them with the values (the compiled packer); made on first use, by {@link writeDecimalPrefix}.
 * `digits` is small (10^digits entries).
 */
export function decimalPrefixStrings(digits: number): readonly string[] {
  let table = STRINGS[digits];
  if (table === undefined) {
    table = [];
    const bytes = new Uint8Array(digits);
    for (let n = 0; n < 10 ** digits; n++) {
      writeDecimalPrefix(bytes, 0, n, digits, ASCII_ZERO);
      table.push(String.fromCharCode(...bytes));
    }
    STRINGS[digits] = table;
  }
  return table;
}
