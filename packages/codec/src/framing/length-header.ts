import type { LengthHeader } from './options.js';

/*
 * The length headers of a stream. A reader returns the number carried, or -1 when the header bytes are not a number
 * in their format (a non-digit character, a BCD nibble above 9): the caller turns that into a coded error.
 */

const ZERO = 0x30;

/** Reads the length header of kind `kind` at `offset` (the bytes must be there). -1: not a number in its format. */
export function readLengthHeader(kind: LengthHeader, bytes: Buffer, offset: number): number {
  switch (kind) {
    case 'binary2':
      return (bytes[offset]! << 8) | bytes[offset + 1]!;
    case 'binary4':
      return bytes.readUInt32BE(offset);
    case 'bcd2': {
      let value = 0;
      for (let i = 0; i < 2; i++) {
        const b = bytes[offset + i]!;
        const hi = b >> 4;
        const lo = b & 0x0f;
        if (hi > 9 || lo > 9) return -1;
        value = value * 100 + hi * 10 + lo;
      }
      return value;
    }
    case 'ascii4': {
      let value = 0;
      for (let i = 0; i < 4; i++) {
        const digit = bytes[offset + i]! - ZERO;
        if (digit < 0 || digit > 9) return -1;
        value = value * 10 + digit;
      }
      return value;
    }
    case 'none':
      return -1;
  }
}

/** Writes `length` as a length header of kind `kind` at `offset`; the caller has checked that it fits. */
export function writeLengthHeader(kind: LengthHeader, length: number, target: Buffer, offset: number): void {
  switch (kind) {
    case 'binary2':
      target.writeUInt16BE(length, offset);
      return;
    case 'binary4':
      target.writeUInt32BE(length, offset);
      return;
    case 'bcd2': {
      const hi = Math.floor(length / 100);
      const lo = length % 100;
      target[offset] = (Math.floor(hi / 10) << 4) | hi % 10;
      target[offset + 1] = (Math.floor(lo / 10) << 4) | lo % 10;
      return;
    }
    case 'ascii4':
      for (let i = 3, n = length; i >= 0; i--, n = Math.floor(n / 10)) target[offset + i] = ZERO + (n % 10);
      return;
    case 'none':
      return;
  }
}
