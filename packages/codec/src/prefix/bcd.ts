/**
 * A length prefix in packed BCD (jPOS `BcdPrefixer`): `digits` decimal digits, right-justified in ceil(digits / 2)
 * bytes (an odd count has a 0 nibble on the left): LL = 1 byte, LLL = 2 bytes, LLLLLL = 3 bytes.
 */

/** Bytes taken by a BCD prefix of `digits` digits. */
export function bcdPrefixSize(digits: number): number {
  return (digits + 1) >> 1;
}

/** Writes `length` as a BCD prefix of `digits` digits; returns the offset after it. */
export function writeBcdPrefix(buf: Uint8Array, offset: number, length: number, digits: number): number {
  const size = (digits + 1) >> 1;
  let v = length;
  for (let i = size - 1; i >= 0; i--) {
    const lo = v % 10;
    v = Math.floor(v / 10);
    const hi = v % 10;
    v = Math.floor(v / 10);
    buf[offset + i] = (hi << 4) | lo;
  }
  return offset + size;
}

/** Reads a BCD prefix of `digits` digits; returns the number, or -1 when a nibble is not a decimal digit. */
export function readBcdPrefix(buf: Uint8Array, offset: number, digits: number): number {
  const size = (digits + 1) >> 1;
  let v = 0;
  for (let i = 0; i < size; i++) {
    const b = buf[offset + i]!;
    const hi = b >> 4;
    const lo = b & 0x0f;
    if (hi > 9 || lo > 9) return -1;
    v = v * 100 + hi * 10 + lo;
  }
  return v;
}
