/**
 * What can still be read from a message that does not decode: its MTI and, where possible, the fields whose place on
 * the wire is certain. The inbound endpoint uses it to answer with response code 30 echoing STAN, terminal and the
 * other keys; the connector to fail the request waiting for a broken response at once (its match key is readable)
 * instead of letting it time out.
 *
 * 1. A lenient decode that takes the whole image (the fault is a character outside a field's type): every length
 *    prefix agreed with the image's end, so every field is where the bitmap and the prefixes put it.
 * 2. Otherwise a length or prefix is wrong somewhere (a length over the maximum, bytes after the last field, a message
 *    too short), and any variable-length field may be the one misread: a terminal that sends field 2 with a 3-digit
 *    prefix (`016` + PAN) to an LLVAR dialect has field 2 read as `6` and every later field read from the PAN's digits
 *    (a "STAN" and a "terminal" that are 14 of its 16 digits). Only the MTI and the fields before the first
 *    variable-length field present (and before the failing one) are taken, read from a copy whose bitmap has that
 *    field and every later one cleared (bit 1 stays: the secondary bitmap keeps its place on the wire).
 */
import type { Codec, Decoded } from './codec-types.js';
import type { Dialect, IsoMessage } from './types.js';
import { MTI_ASCII, MTI_BCD, MTI_EBCDIC, mtiSize, readMti } from './field/mti.js';

/** How {@link recoverFields} reads an image. */
export interface RecoverOptions {
  /**
   * An image that decodes whole but for bytes after its last field (`ISO8583_ERR_TRAILING_BYTES`): `'certain'`, only
   * the fields before the first variable-length one, as after any length fault (a prefix one digit too long, `016` +
   * PAN to an LLVAR field 2, ends so, every later field read from the PAN's digits); `'whole'`, every field the decode
   * read. `'whole'` is for a caller that only compares the fields with values it holds (the connector looks a pending
   * request up by its match key: a key read from shifted bytes names none), never for one that echoes or logs them.
   * Default `'certain'`.
   */
  readonly trailing?: 'certain' | 'whole';
}

/**
 * The fields that can still be read from a message image that failed to decode (`failedField`: the `field` of the
 * decode error), or `undefined` when not even its MTI can be read. After a length or prefix fault only the fields
 * before the first variable-length one are given (see above): never a field read from bytes a misread prefix may have
 * shifted, unless `options.trailing` is `'whole'` and only bytes after the last field are wrong. Never throws.
 */
export function recoverFields(codec: Codec, bytes: Buffer, failedField: string | undefined, options: RecoverOptions = {}): IsoMessage | undefined {
  let whole: Decoded | undefined;
  try {
    whole = codec.decode(bytes, { lenient: true, trailing: 'allow' });
  } catch {
    // a length, prefix or bitmap fault: the fields with a certain place only
  }
  if (whole !== undefined && (whole.length === bytes.length || options.trailing === 'whole')) return whole.message;
  const dialect = codec.dialect;
  const mti = messageMti(dialect, bytes);
  if (mti === undefined) return undefined;
  const failed = failedField === undefined ? NaN : Number.parseInt(failedField, 10);
  const bitmapAt = (dialect.headerLength ?? 0) + mtiSize(MTI_ENCODINGS[dialect.mti.encoding]);
  const firstVariable = firstVariableField(dialect, bytes, bitmapAt);
  if (firstVariable === undefined) return { 0: mti };
  const from = Math.min(Number.isInteger(failed) && failed > 0 ? failed : Infinity, firstVariable);
  // No variable-length field and no failing one: every field has a fixed place, only bytes after the last are extra.
  if (from === Infinity) return whole?.message ?? { 0: mti };
  if (from > 2) {
    const trimmed = trimBitmap(dialect, bytes, bitmapAt, from);
    if (trimmed !== undefined) {
      try {
        const partial = codec.decode(trimmed, { lenient: true, trailing: 'allow' }).message;
        if (partial['0'] === mti) return partial;
      } catch {
        // the MTI alone, then
      }
    }
  }
  return { 0: mti };
}

const MTI_ENCODINGS = { ascii: MTI_ASCII, ebcdic: MTI_EBCDIC, bcd: MTI_BCD } as const;

/** The MTI of a message image, or `undefined` when the bytes there are not four digits in the dialect's encoding. */
function messageMti(dialect: Dialect, bytes: Buffer): string | undefined {
  const at = dialect.headerLength ?? 0;
  const encoding = MTI_ENCODINGS[dialect.mti.encoding];
  if (bytes.length < at + mtiSize(encoding)) return undefined;
  return readMti(bytes, at, encoding);
}

const EBCDIC_HEX = [0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6];

/** Reads 8 bitmap bytes at `at` in the dialect's bitmap encoding; `undefined` when they are not a bitmap. */
function readBitmap(dialect: Dialect, bytes: Buffer, at: number): Buffer | undefined {
  const encoding = dialect.bitmap.encoding;
  const size = encoding === 'binary' ? 8 : 16;
  if (bytes.length < at + size) return undefined;
  if (encoding === 'binary') return Buffer.from(bytes.subarray(at, at + 8));
  let hex = '';
  for (let i = at; i < at + 16; i++) {
    const b = bytes[i]!;
    if (encoding === 'hex') hex += String.fromCharCode(b);
    else {
      const nibble = EBCDIC_HEX.indexOf(b);
      if (nibble === -1) return undefined;
      hex += nibble.toString(16);
    }
  }
  if (!/^[0-9a-fA-F]{16}$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex');
}

function writeBitmap(dialect: Dialect, target: Buffer, at: number, bitmap: Buffer): void {
  const encoding = dialect.bitmap.encoding;
  if (encoding === 'binary') {
    bitmap.copy(target, at);
    return;
  }
  const hex = bitmap.toString('hex').toUpperCase();
  for (let i = 0; i < 16; i++) {
    const nibble = Number.parseInt(hex[i]!, 16);
    target[at + i] = encoding === 'hex' ? hex.charCodeAt(i) : EBCDIC_HEX[nibble]!;
  }
}

/** Clears bits `from`..(end of this bitmap), where bit 1 of the bitmap is field `first`; bit 1 of the primary stays. */
function clearFrom(bitmap: Buffer, first: number, from: number, keepBit1: boolean): void {
  for (let bit = 1; bit <= 64; bit++) {
    const field = first + bit - 1;
    if (field < from || (keepBit1 && bit === 1)) continue;
    bitmap[(bit - 1) >> 3]! &= ~(0x80 >> ((bit - 1) & 7));
  }
}

/** Whether bit `bit` (1-64) of a bitmap is set. */
function bitSet(bitmap: Buffer, bit: number): boolean {
  return (bitmap[(bit - 1) >> 3]! & (0x80 >> ((bit - 1) & 7))) !== 0;
}

/**
 * The lowest field present in the image whose length is not fixed (one with a length prefix, or one the dialect does
 * not define: the decode cannot know its length either); `Infinity` when every present field is fixed, 129 when a
 * tertiary bitmap follows (its fields are not looked at); `undefined` when the bitmaps cannot be read.
 */
function firstVariableField(dialect: Dialect, bytes: Buffer, at: number): number | undefined {
  const primary = readBitmap(dialect, bytes, at);
  if (primary === undefined) return undefined;
  const lowest = dialect.bitmap.firstField ?? 2;
  const variable = (field: number): boolean => {
    if (field < lowest) return false;
    const spec = dialect.fields[String(field)];
    return spec === undefined || spec.prefix !== undefined;
  };
  for (let bit = 2; bit <= 64; bit++) if (bitSet(primary, bit) && variable(bit)) return bit;
  if (!bitSet(primary, 1)) return Infinity;
  const secondary = readBitmap(dialect, bytes, at + (dialect.bitmap.encoding === 'binary' ? 8 : 16));
  if (secondary === undefined) return undefined;
  const tertiary = dialect.bitmap.tertiary === true;
  for (let bit = tertiary ? 2 : 1; bit <= 64; bit++) if (bitSet(secondary, bit) && variable(64 + bit)) return 64 + bit;
  return tertiary && bitSet(secondary, 1) ? 129 : Infinity;
}

/** A copy of the image with field `from` and every later field removed from the bitmap(s), or `undefined`. */
function trimBitmap(dialect: Dialect, bytes: Buffer, at: number, from: number): Buffer | undefined {
  const primary = readBitmap(dialect, bytes, at);
  if (primary === undefined) return undefined;
  const copy = Buffer.from(bytes);
  const hasSecondary = (primary[0]! & 0x80) !== 0;
  clearFrom(primary, 1, from, true);
  writeBitmap(dialect, copy, at, primary);
  if (hasSecondary) {
    const secondaryAt = at + (dialect.bitmap.encoding === 'binary' ? 8 : 16);
    const secondary = readBitmap(dialect, bytes, secondaryAt);
    if (secondary === undefined) return undefined;
    // A tertiary bitmap (bit 65) sits after the secondary one: trimming it away would misplace the fields.
    if (dialect.bitmap.tertiary === true && (secondary[0]! & 0x80) !== 0) return undefined;
    clearFrom(secondary, 65, from, false);
    writeBitmap(dialect, copy, secondaryAt, secondary);
  }
  return copy;
}
