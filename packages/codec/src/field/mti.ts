/**
 * The message type indicator: four digits (version, class, function, origin), e.g. `0200`. It travels as four ASCII
 * or EBCDIC digits, or as two bytes of BCD.
 */
import { readAscii } from '../encoding/ascii.js';
import { readEbcdic, writeEbcdic } from '../encoding/ebcdic.js';
import { readBcd, writeBcd } from '../encoding/bcd.js';
import { writeAscii } from '../encoding/ascii.js';
import { isDigitCode } from './charset.js';

/** Four ASCII digits. */
export const MTI_ASCII = 0;
/** Four EBCDIC digits. */
export const MTI_EBCDIC = 1;
/** Two bytes of BCD. */
export const MTI_BCD = 2;

/** Bytes of an MTI on the wire. */
export function mtiSize(encoding: number): number {
  return encoding === MTI_BCD ? 2 : 4;
}

function fourDigits(s: string): boolean {
  if (s.length !== 4) return false;
  for (let i = 0; i < 4; i++) {
    if (!isDigitCode(s.charCodeAt(i))) return false;
  }
  return true;
}

/** The MTI of a message input (`"0200"`, or a number like 200 padded to `"0200"`), or `undefined` when malformed. */
export function mtiValue(v: unknown): string | undefined {
  if (typeof v === 'string') return fourDigits(v) ? v : undefined;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 9999) return String(v).padStart(4, '0');
  return undefined;
}

/** Writes a valid MTI at `offset`. */
export function writeMti(buf: Uint8Array, offset: number, mti: string, encoding: number): void {
  if (encoding === MTI_BCD) writeBcd(buf, offset, mti, 0, false, 0);
  else if (encoding === MTI_EBCDIC) writeEbcdic(buf, offset, mti);
  else writeAscii(buf, offset, mti);
}

/** Reads the MTI at `offset` (bounds checked by the caller); `undefined` when it is not four digits. */
export function readMti(buf: Buffer, offset: number, encoding: number): string | undefined {
  let s: string | undefined;
  if (encoding === MTI_BCD) s = readBcd(buf, offset, 4, false, false, false);
  else if (encoding === MTI_EBCDIC) s = readEbcdic(buf, offset, 4);
  else s = readAscii(buf, offset, 4);
  return s !== undefined && fourDigits(s) ? s : undefined;
}
