/**
 * A length prefix as an unsigned big-endian binary number of 1-4 bytes (jPOS `BinaryPrefixer`, pyiso8583
 * `len_enc: b`).
 */

/** Writes `length` as a `bytes`-byte big-endian number; returns the offset after it. */
export function writeBinaryPrefix(buf: Uint8Array, offset: number, length: number, bytes: number): number {
  let v = length;
  for (let i = bytes - 1; i >= 0; i--) {
    buf[offset + i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return offset + bytes;
}

/** Reads a `bytes`-byte big-endian number. */
export function readBinaryPrefix(buf: Uint8Array, offset: number, bytes: number): number {
  let v = 0;
  for (let i = 0; i < bytes; i++) v = v * 256 + buf[offset + i]!;
  return v;
}
