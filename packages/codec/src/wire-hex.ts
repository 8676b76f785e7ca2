/**
 * How a field's value looks in a hex dump of the message bytes: what a log line holding `message.raw` (or any dump of
 * the wire image) shows of it, so that whoever masks card data can find it there too. A text value travels as one byte
 * per character (ASCII, or EBCDIC in the field's code page: the PAN `4761...` is `F4F7F6F1...`), hex characters as
 * ASCII or EBCDIC digits, packed BCD and binary as the nibbles the message shows.
 */
import { ebcdicCodePage, IBM_1047 } from './encoding/ebcdic.js';
import type { ValueEncoding } from './types.js';

function ebcdicHex(value: string, fromLatin1: Uint8Array): string {
  const bytes = Buffer.allocUnsafe(value.length);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    bytes[i] = c > 0xff ? 0x3f : fromLatin1[c]!; // 0x3F: EBCDIC SUB, for a character no code page holds
  }
  return bytes.toString('hex').toUpperCase();
}

/**
 * The uppercase hex of the bytes `value` (a field's value as the message shows it) takes on the wire in `encoding`,
 * without length prefix or padding: Latin-1 bytes for `ascii` and `hex` (hex characters), the code page's bytes for
 * `ebcdic`, `ebcdic-1047` and `ebcdic-037`, EBCDIC hex characters for `ebcdic-hex`; for `bcd` and `binary` the value
 * itself in upper case (its nibbles are the bytes; a track 2 separator `=` travels as `D`).
 */
export function wireHex(value: string, encoding: ValueEncoding): string {
  switch (encoding) {
    case 'bcd':
      return value.toUpperCase().replaceAll('=', 'D');
    case 'binary':
      return value.toUpperCase();
    case 'ebcdic-hex':
      return ebcdicHex(value.toUpperCase(), IBM_1047.fromLatin1);
    case 'ascii':
    case 'hex':
      return Buffer.from(value, 'latin1').toString('hex').toUpperCase();
    default: {
      const page = ebcdicCodePage(encoding) ?? IBM_1047;
      return ebcdicHex(value, page.fromLatin1);
    }
  }
}
