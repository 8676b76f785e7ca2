/**
 * A minimal, non-validating ISO 8583 codec for the ASCII 1987 layout (MTI and lengths as ASCII digits, hex bitmap),
 * written only for the benchmark: it shows the practical limit of packing and unpacking in JavaScript. It checks
 * nothing (no types, no lengths beyond what it needs to cut the fields, no bounds), pads nothing and reports no
 * errors: the values must already be exactly what goes on the wire.
 */
import type { Dialect } from '@iso8583/codec';

/** One field of the layout: fixed length (`prefixDigits` 0) or an LLVAR-style ASCII length prefix. */
interface MinimalField {
  /** Digits of the ASCII length prefix; 0 for a fixed-length field. */
  prefixDigits: number;
  /** The fixed length in characters (ignored for variable fields). */
  length: number;
  /** True when the value is hex in the message and raw bytes on the wire. */
  raw: boolean;
}

/** A flat message: field number -> wire value (hex for raw binary fields). */
export type MinimalMessage = Record<string, string>;

const HEX = '0123456789ABCDEF';

/** Pack and unpack for one layout, taken from a dialect with an ASCII MTI, a hex bitmap and ASCII length prefixes. */
export class MinimalCodec {
  private readonly fields: (MinimalField | undefined)[] = [];

  constructor(dialect: Dialect) {
    for (const [key, spec] of Object.entries(dialect.fields)) {
      this.fields[Number(key)] = {
        prefixDigits: spec.prefix?.digits ?? 0,
        length: spec.encoding === 'hex' ? spec.length * 2 : spec.length,
        raw: spec.encoding === 'binary',
      };
    }
  }

  /** Packs `message` (values exactly as on the wire) into bytes. */
  pack(message: MinimalMessage): Buffer {
    const present: number[] = [];
    let size = 4 + 16;
    let secondary = false;
    for (let i = 2; i <= 128; i++) {
      const value = message[i];
      if (value === undefined) continue;
      const f = this.fields[i];
      if (f === undefined) continue;
      present.push(i);
      if (i > 64) secondary = true;
      size += f.prefixDigits + (f.raw ? value.length >> 1 : value.length);
    }
    if (secondary) size += 16;
    const bits = new Uint8Array(secondary ? 16 : 8);
    if (secondary) bits[0] = 0x80;
    for (const i of present) bits[(i - 1) >> 3] = (bits[(i - 1) >> 3] ?? 0) | (0x80 >> ((i - 1) & 7));
    // The ASCII parts are joined into one string and written at once; raw binary values are written as hex.
    let text = message['0'] ?? '0000';
    for (const b of bits) text += HEX[b >> 4] + (HEX[b & 15] ?? '');
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    for (const i of present) {
      const f = this.fields[i] as MinimalField;
      const value = message[i] as string;
      if (f.prefixDigits > 0) text += String(f.raw ? value.length >> 1 : value.length).padStart(f.prefixDigits, '0');
      if (f.raw) {
        at += out.write(text, at, 'latin1');
        text = '';
        at += out.write(value, at, 'hex');
      } else {
        text += value;
      }
    }
    out.write(text, at, 'latin1');
    return out;
  }

  /** Unpacks `bytes` into a flat message (raw binary fields as uppercase hex). */
  unpack(bytes: Buffer): MinimalMessage {
    // One Latin-1 string for the whole image; the text values are slices of it.
    const s = bytes.toString('latin1');
    const message: MinimalMessage = { '0': s.slice(0, 4) };
    let at = 4;
    const primary = parseInt(s.slice(at, at + 8), 16);
    const bitmap = [primary >>> 0, parseInt(s.slice(at + 8, at + 16), 16) >>> 0];
    at += 16;
    if ((primary & 0x80000000) !== 0) {
      bitmap.push(parseInt(s.slice(at, at + 8), 16) >>> 0, parseInt(s.slice(at + 8, at + 16), 16) >>> 0);
      at += 16;
    }
    for (let word = 0; word < bitmap.length; word++) {
      const bitsOfWord = bitmap[word] as number;
      if (bitsOfWord === 0) continue;
      for (let bit = 0; bit < 32; bit++) {
        if ((bitsOfWord & (0x80000000 >>> bit)) === 0) continue;
        const i = word * 32 + bit + 1;
        if (i === 1) continue;
        const f = this.fields[i] as MinimalField;
        let n = f.length;
        if (f.prefixDigits > 0) {
          n = Number(s.slice(at, at + f.prefixDigits));
          at += f.prefixDigits;
        }
        message[i] = f.raw ? bytes.toString('hex', at, at + n).toUpperCase() : s.slice(at, at + n);
        at += n;
      }
    }
    return message;
  }
}
