/**
 * Hex characters (jPOS `IFA_BINARY`, `IFE_BINARY`): each byte travels as two hex digit characters, in ASCII or in
 * EBCDIC; the message shows the bytes as uppercase hex. Written in upper case; either case accepted when read.
 * EBCDIC hex digits (`0`-`9` X'F0'-X'F9', `A`-`F` X'C1'-X'C6', `a`-`f` X'81'-X'86') are the same bytes in every EBCDIC
 * code page, so the default (1047) tables serve every dialect.
 */
import { HEX_VALUE } from './hex-digits.js';
import { EBCDIC_TO_LATIN1, LATIN1_TO_EBCDIC } from './ebcdic.js';

/** Writes the hex string `hex` (validated by the caller) as uppercase ASCII hex characters; returns the offset after. */
export function writeHexChars(buf: Uint8Array, offset: number, hex: string): number {
  const n = hex.length;
  for (let i = 0; i < n; i++) {
    const c = hex.charCodeAt(i);
    buf[offset + i] = c >= 0x61 ? c - 0x20 : c;
  }
  return offset + n;
}

/** Writes the hex string `hex` (validated by the caller) as uppercase EBCDIC hex characters; returns the offset after. */
export function writeEbcdicHexChars(buf: Uint8Array, offset: number, hex: string): number {
  const n = hex.length;
  for (let i = 0; i < n; i++) {
    const c = hex.charCodeAt(i);
    buf[offset + i] = LATIN1_TO_EBCDIC[c >= 0x61 ? c - 0x20 : c]!;
  }
  return offset + n;
}

/**
 * Reads `chars` hex digit characters at `offset` (ASCII, or EBCDIC when `ebcdic`) as an uppercase hex string;
 * returns `undefined` when one of them is not a hex digit.
 */
export function readHexChars(buf: Uint8Array, offset: number, chars: number, ebcdic: boolean): string | undefined {
  let out = '';
  for (let i = 0; i < chars; i++) {
    let c = buf[offset + i]!;
    if (ebcdic) c = EBCDIC_TO_LATIN1[c]!;
    if (HEX_VALUE[c] === 255) return undefined;
    out += String.fromCharCode(c >= 0x61 ? c - 0x20 : c);
  }
  return out;
}
