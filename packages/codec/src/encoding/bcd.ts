/**
 * Packed BCD: two digits per byte, high nibble first. An odd number of digits leaves one pad nibble: on the left
 * when the value is right-justified (jPOS `LEFT_PADDED`, the usual case) or on the right when it is left-justified
 * (jPOS `RIGHT_PADDED`, e.g. a PAN or track 2 in `IFB_LLNUM`). The pad nibble is 0 or F. In track data (`z`) the
 * separator `=` travels as nibble D.
 */

/** Character code -> nibble for BCD values: digits, `=` and `D`/`d` (track separator, 13), `A`-`F` (lenient). */
const NIBBLE: Uint8Array = (() => {
  const table = new Uint8Array(256).fill(255);
  for (let i = 0; i < 10; i++) table[0x30 + i] = i;
  for (let i = 0; i < 6; i++) {
    table[0x41 + i] = 10 + i;
    table[0x61 + i] = 10 + i;
  }
  table[0x3d] = 13;
  return table;
})();

/** Bytes taken by `digits` BCD digits. */
export function bcdSize(digits: number): number {
  return (digits + 1) >> 1;
}

/**
 * Writes the digits of `value` from index `start` (validated by the caller: digits, plus `=`/`D` for track data or
 * `A`-`F` in lenient mode) as packed BCD at `offset`; returns the offset after them.
 */
export function writeBcd(
  buf: Uint8Array,
  offset: number,
  value: string,
  start: number,
  leftJustified: boolean,
  padNibble: number,
): number {
  const n = value.length;
  let i = start;
  let o = offset;
  if (((n - start) & 1) !== 0 && !leftJustified) {
    buf[o++] = (padNibble << 4) | NIBBLE[value.charCodeAt(i)]!;
    i++;
  }
  for (; i + 1 < n; i += 2) {
    buf[o++] = (NIBBLE[value.charCodeAt(i)]! << 4) | NIBBLE[value.charCodeAt(i + 1)]!;
  }
  if (i < n) buf[o++] = (NIBBLE[value.charCodeAt(i)]! << 4) | padNibble;
  return o;
}

/** The two digits of a BCD byte, or '' when a nibble is not a decimal digit. */
const DIGIT_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, b) => (b >> 4 < 10 && (b & 0x0f) < 10 ? `${b >> 4}${b & 0x0f}` : ''));

/** Characters shown for nibbles 10-15 when reading: none (an error) unless lenient or track data. */
const DIGIT_CHARS = '0123456789ABCDEF';

/**
 * Reads `digits` BCD digits at `offset`. Returns the digits as a string, or `undefined` when a nibble is not a
 * digit and may not be shown: nibble D is shown as `=` when `track`; nibbles A-F are shown as letters when
 * `lenient`. The pad nibble of an odd count is skipped here: strict unpack checks it with {@link bcdPadNibble}.
 */
export function readBcd(
  buf: Uint8Array,
  offset: number,
  digits: number,
  leftJustified: boolean,
  track: boolean,
  lenient: boolean,
): string | undefined {
  let out = '';
  const skip = (digits & 1) !== 0 && !leftJustified ? 1 : 0;
  const end = digits + skip;
  let k = skip;
  while (k < end) {
    const b = buf[offset + (k >> 1)]!;
    if ((k & 1) === 0 && k + 1 < end) {
      // A whole byte of two decimal digits, the common case.
      const pair = DIGIT_PAIRS[b]!;
      if (pair !== '') {
        out += pair;
        k += 2;
        continue;
      }
    }
    const nib = (k & 1) === 0 ? b >> 4 : b & 0x0f;
    if (nib < 10) out += DIGIT_CHARS[nib];
    else if (track && nib === 13) out += '=';
    else if (lenient) out += DIGIT_CHARS[nib];
    else return undefined;
    k++;
  }
  return out;
}

/**
 * The pad nibble of `digits` BCD digits at `offset` (the high nibble of the first byte when right-justified, the low
 * nibble of the last when left-justified), or -1 when `digits` is even and there is none.
 */
export function bcdPadNibble(buf: Uint8Array, offset: number, digits: number, leftJustified: boolean): number {
  if ((digits & 1) === 0) return -1;
  return leftJustified ? buf[offset + (digits >> 1)]! & 0x0f : buf[offset]! >> 4;
}
