/**
 * Bitmaps: bit N (counting from 1, most significant bit of the first byte) set means data element N is present.
 * In a message, bit 1 set means a secondary bitmap (fields 65-128) follows the primary one, and with a tertiary
 * bitmap, bit 65 set means a third one (fields 129-192) follows the secondary one. A bitmap travels as 8 raw bytes
 * (`binary`), or as 16 hex characters in ASCII (`hex`) or EBCDIC (`ebcdic`).
 */
import { HEX_CHAR, HEX_VALUE } from '../encoding/hex-digits.js';
import { EBCDIC_TO_LATIN1, LATIN1_TO_EBCDIC } from '../encoding/ebcdic.js';

/** Raw bytes. */
export const BITMAP_BINARY = 0;
/** ASCII hex characters. */
export const BITMAP_HEX = 1;
/** EBCDIC hex characters. */
export const BITMAP_EBCDIC = 2;

/** Bytes on the wire of a bitmap of `bytes` bytes. */
export function bitmapWireSize(encoding: number, bytes: number): number {
  return encoding === BITMAP_BINARY ? bytes : 2 * bytes;
}

/** Writes `bytes` bytes of `bits` from index `from`; returns the offset after them. */
export function writeBitmap(
  buf: Uint8Array,
  offset: number,
  bits: Uint8Array,
  from: number,
  bytes: number,
  encoding: number,
): number {
  let o = offset;
  if (encoding === BITMAP_BINARY) {
    for (let i = 0; i < bytes; i++) buf[o++] = bits[from + i]!;
    return o;
  }
  const ebcdic = encoding === BITMAP_EBCDIC;
  for (let i = 0; i < bytes; i++) {
    const b = bits[from + i]!;
    const hi = HEX_CHAR[b >> 4]!;
    const lo = HEX_CHAR[b & 0x0f]!;
    buf[o++] = ebcdic ? LATIN1_TO_EBCDIC[hi]! : hi;
    buf[o++] = ebcdic ? LATIN1_TO_EBCDIC[lo]! : lo;
  }
  return o;
}

/**
 * Reads a bitmap of `bytes` bytes at `offset` (the caller checked the bounds) into `bits` from index `into`.
 * Returns false when a hex character is not a hex digit (either case is accepted).
 */
export function readBitmap(
  buf: Uint8Array,
  offset: number,
  bits: Uint8Array,
  into: number,
  bytes: number,
  encoding: number,
): boolean {
  if (encoding === BITMAP_BINARY) {
    for (let i = 0; i < bytes; i++) bits[into + i] = buf[offset + i]!;
    return true;
  }
  const ebcdic = encoding === BITMAP_EBCDIC;
  let o = offset;
  for (let i = 0; i < bytes; i++) {
    let hc = buf[o++]!;
    let lc = buf[o++]!;
    if (ebcdic) {
      hc = EBCDIC_TO_LATIN1[hc]!;
      lc = EBCDIC_TO_LATIN1[lc]!;
    }
    const hi = HEX_VALUE[hc]!;
    const lo = HEX_VALUE[lc]!;
    if (hi === 255 || lo === 255) return false;
    bits[into + i] = (hi << 4) | lo;
  }
  return true;
}

/** The 4 bytes at `offset` as a 32-bit word, the first byte the most significant (the caller checked the bounds). */
export function wordAt(buf: Uint8Array, offset: number): number {
  return (buf[offset]! << 24) | (buf[offset + 1]! << 16) | (buf[offset + 2]! << 8) | buf[offset + 3]!;
}

/**
 * Reads `count` 32-bit words of a bitmap at `offset` (4 bitmap bytes each, the first byte the most significant; the
 * caller checked the bounds) into `words` from index `into`: how a message's bitmap is looked up (bit N of the
 * message is bit `31 - (N - 1) % 32` of word `(N - 1) >> 5`). Returns false when a hex character is not a hex digit.
 */
export function readBitmapWords(
  buf: Uint8Array,
  offset: number,
  words: Int32Array,
  into: number,
  count: number,
  encoding: number,
): boolean {
  let o = offset;
  if (encoding === BITMAP_BINARY) {
    for (let i = 0; i < count; i++, o += 4) words[into + i] = wordAt(buf, o);
    return true;
  }
  const ebcdic = encoding === BITMAP_EBCDIC;
  // The values of the hex digits ORed together: over 15 when a character is not one (its value is 255).
  let seen = 0;
  for (let i = 0; i < count; i++) {
    let w = 0;
    for (let j = 0; j < 8; j++) {
      const c = buf[o++]!;
      const v = HEX_VALUE[ebcdic ? EBCDIC_TO_LATIN1[c]! : c]!;
      seen |= v;
      w = (w << 4) | v;
    }
    words[into + i] = w;
  }
  return seen <= 15;
}
