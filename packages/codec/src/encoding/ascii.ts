/**
 * ASCII (read and written as Latin-1): one byte per character. Characters above U+00FF cannot travel.
 */
import { Buffer } from 'node:buffer';

/** Writes `value` at `offset` one byte per character; returns the offset after it, or -1 for a character above U+00FF. */
export function writeAscii(buf: Uint8Array, offset: number, value: string): number {
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff) return -1;
    buf[offset + i] = c;
  }
  return offset + n;
}

/** Reads `count` bytes at `offset` as a Latin-1 string. */
export function readAscii(buf: Buffer, offset: number, count: number): string {
  if (count <= 16) {
    let out = '';
    for (let i = 0; i < count; i++) out += String.fromCharCode(buf[offset + i]!);
    return out;
  }
  return latin1Slice === undefined ? buf.toString('latin1', offset, offset + count) : latin1Slice.call(buf, offset, offset + count);
}

/** Node's internal Latin-1 write (present on every Buffer; not in the type definitions): bytes written. */
export const latin1Write = (Buffer.prototype as unknown as { latin1Write?: (s: string, offset: number, max?: number) => number }).latin1Write;

/**
 * Matches a character above U+00FF (a UTF-16 code unit, surrogates included), which a Latin-1 write would cut to its
 * low byte: U+0131 to the digit `1`. Text with none is what V8 keeps as a one-byte string, and on a one-byte string
 * V8 compiles this pattern to a failure at once, so the test costs the same for any length (17-20 ns, measured for
 * 16 to 130 characters; a UTF-8 write, which shows such a character by its byte count instead, costs 1 ns and more
 * a character).
 */
export const BEYOND_LATIN1 = /[\u0100-\uffff]/;

/** Node's internal fast Latin-1 slice (present on every Buffer; not in the type definitions). */
const latin1Slice = (Buffer.prototype as unknown as { latin1Slice?: (start?: number, end?: number) => string }).latin1Slice;

/**
 * The first `end` bytes of `buf` as one Latin-1 string (field values are then cut from it with `substring`). The
 * whole buffer is sliced with no arguments: Node then takes its defaults instead of converting two numbers (about 55
 * instructions of an unpack).
 */
export function latin1(buf: Buffer, end: number): string {
  if (latin1Slice === undefined) return buf.toString('latin1', 0, end);
  return end === buf.length ? latin1Slice.call(buf) : latin1Slice.call(buf, 0, end);
}
