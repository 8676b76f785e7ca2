/**
 * Binary: raw bytes on the wire; the message shows them as uppercase hex, two digits per byte.
 */
import { BYTE_HEX, HEX_VALUE } from './hex-digits.js';

/** Writes the bytes of the hex string `hex` (validated by the caller) at `offset`; returns the offset after them. */
export function writeBinary(buf: Uint8Array, offset: number, hex: string): number {
  const n = hex.length >> 1;
  for (let i = 0; i < n; i++) {
    buf[offset + i] = (HEX_VALUE[hex.charCodeAt(2 * i)]! << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1)]!;
  }
  return offset + n;
}

/** Reads `count` bytes at `offset` as uppercase hex. */
export function readBinary(buf: Uint8Array, offset: number, count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += BYTE_HEX[buf[offset + i]!]!;
  return out;
}
