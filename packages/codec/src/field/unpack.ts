/**
 * Unpacking the fields of a layout (the part of a message after the MTI, or a composite's contents) with a
 * {@link Reader}: the bitmap (primary, then secondary and tertiary when announced) or, for a positional layout,
 * every field in order; each field by the reader of its kind, decided when the dialect was compiled. What a bitmap
 * marks is worked out once per distinct bitmap (`shapes.ts`).
 */
import type { IsoMessage } from '../types.js';
import type { FieldPlan } from './plan.js';
import type { Layout } from './compile.js';
import type { Reader } from './reader.js';
import { KIND_ASCII_TEXT, KIND_GENERAL } from './plan.js';
import { readAsciiText } from './ascii-text.js';
import { readField } from './read.js';
import { readComposite } from './composite.js';
import { codecError } from '../errors.js';
import { BITMAP_BINARY, bitmapWireSize, readBitmap, readBitmapWords } from '../bitmap/bitmap.js';
import { COMPILE_AFTER, Shape, bitmapWords, sameWire, shapeSlot, wireWords } from './shapes.js';
import type { CompiledUnpack } from './compile-unpack.js';
import { compileUnpack } from './compile-unpack.js';

/** Reads one field by the reader of its kind; leaves `r.pos` after it. */
function readOne(r: Reader, plan: FieldPlan, offset: number, limit: number, lenient: boolean): string | IsoMessage {
  const kind = plan.kind;
  if (kind === KIND_ASCII_TEXT) return readAsciiText(r, plan, offset, limit, lenient);
  if (kind === KIND_GENERAL) return readField(r, plan, offset, limit, lenient);
  return readComposite(r, plan, offset, limit, lenient);
}

/**
 * Whether the bytes from `from` to `to` are all the pad byte `pad` of a fixed text composite (`FieldPlan.contentPad`;
 * -1: no pad, so no bytes may follow the last sub-field). Only that byte: anything else is still trailing bytes.
 */
export function onlyPad(buf: Uint8Array, from: number, to: number, pad: number): boolean {
  if (pad < 0) return false;
  for (let i = from; i < to; i++) if (buf[i] !== pad) return false;
  return true;
}

/**
 * Reads the fields of the positional `layout` at `offset` in order, until `limit`; or, with `pad` (a byte, not -1),
 * until only that pad byte is left (a space: `dialectProblems` refuses another): the fields after are absent. That is how a fixed text composite whose trailing
 * absent sub-fields are not sent (`omitTrailingAbsent`) and whose box is padded (`FieldPlan.contentPad`) is read back;
 * a trailing sub-field whose bytes are all that pad is sent as the pad of an absent one is, and is read as absent.
 * Leaves `r.pos` after the last field read.
 */
export function readPositional(layout: Layout, r: Reader, offset: number, limit: number, lenient: boolean, pad = -1): IsoMessage {
  const out: IsoMessage = {};
  // Where the content ends: before the trailing pad bytes, found once (not a scan to `limit` per sub-field).
  let end = limit;
  if (pad >= 0) while (end > offset && r.buf[end - 1] === pad) end--;
  let off = offset;
  for (const plan of layout.order) {
    if (off >= end) break;
    out[plan.num] = readOne(r, plan, off, limit, lenient);
    off = r.pos;
  }
  r.pos = off;
  return out;
}

/**
 * Reads the bitmap (or the positional fields) and the fields of `layout` at `offset`, up to `limit`; returns them as
 * a new object, with `"0"` set to `mti` when given (a message). Leaves `r.pos` after the last field. `refused`: a
 * shape whose compiled reader refused this message already (`Shape.message`), not to be tried again.
 */
export function readLayout(layout: Layout, r: Reader, offset: number, limit: number, lenient: boolean, mti?: string, refused?: Shape): IsoMessage {
  let off = offset;
  if (layout.positional) {
    const out = readPositional(layout, r, off, limit, lenient);
    // "0" comes first in the object whenever it is set: an integer key.
    if (mti !== undefined) out[0] = mti;
    return out;
  }
  if (!lenient && refused === undefined) {
    // The message type read last, recognised by the bytes of its bitmaps.
    const recent = layout.shapes.recent;
    if (recent !== undefined) {
      const after = sameWire(recent.wire!, r.buf, off, limit);
      if (after >= 0) {
        const message = recent.compiled!(r, after, limit, mti, r.text);
        if (message !== undefined) return message;
        refused = recent;
      }
    }
  }
  const words = r.words;
  let bytes: number;
  let slot: number;
  // A message's bitmap is read straight into 32-bit words; a sub-field bitmap, or a problem (which the byte-wise
  // reading below reports), goes byte by byte.
  bytes = layout.bitmapBytes === 0 ? readMessageBitmap(layout, r, off, limit) : -1;
  const after = bytes < 0 ? -1 : off + bitmapWireSize(layout.bitmapEncoding, bytes);
  if (after >= 0) {
    off = after;
    slot = shapeSlot(words, bytes);
  } else {
    const bits = r.bits;
    if (layout.bitmapBytes > 0) {
      bytes = layout.bitmapBytes;
      off = readBitmapAt(layout, r, off, limit, 0, bytes);
    } else {
      // Bit 1 announces a secondary bitmap; with a tertiary bitmap, bit 65 announces it.
      off = readBitmapAt(layout, r, off, limit, 0, 8);
      bytes = 8;
      if ((bits[0]! & 0x80) !== 0) {
        off = readBitmapAt(layout, r, off, limit, 8, 8);
        bytes = 16;
        if (layout.tertiary && (bits[8]! & 0x80) !== 0) {
          off = readBitmapAt(layout, r, off, limit, 16, 8);
          bytes = 24;
        }
      }
    }
    slot = bitmapWords(bits, bytes, words);
  }
  let shape = layout.shapes.find(slot, words, bytes);
  if (shape === undefined) {
    shape = new Shape(words, bytes, markedPlans(layout, bitsOfWords(words, bytes, r.bits), bytes, offset), mti !== undefined);
    layout.shapes.keep(slot, shape);
  }
  if (!lenient && !layout.composite) {
    // A message type read often: its compiled reader (which hands over to the loop below on any problem).
    let compiled = shape.compiled;
    if (compiled === undefined && ++shape.reads >= COMPILE_AFTER) {
      compiled = shape.compiled = (layout.shapes.mayCompile() ? compileUnpack(shape.plans, readOne) : undefined) ?? null;
    }
    if (compiled && shape !== refused) {
      const message = compiled(r, off, limit, mti, r.text);
      if (message !== undefined) {
        if (after >= 0 && layout.shapes.recent !== shape) {
          shape.wire ??= wireWords(r.buf, offset, after);
          layout.shapes.recent = shape;
        }
        return message;
      }
    }
  }
  // A copy of the shape's object: every key in place, values filled in below (a read that throws drops it).
  const out: IsoMessage = { ...shape.template };
  if (mti !== undefined) out[0] = mti;
  const plans = shape.plans;
  for (let i = 0; i < plans.length; i++) {
    const plan = plans[i]!;
    out[plan.num] = plan.kind === KIND_ASCII_TEXT ? readAsciiText(r, plan, off, limit, lenient) : readOne(r, plan, off, limit, lenient);
    off = r.pos;
  }
  r.pos = off;
  return out;
}

/**
 * The compiled reader of a whole message of `shape` (`Shape.message`, compiled on first use): its ASCII MTI at
 * `mtiAt`, then bitmaps whose bytes are `shape.wire`, then the fields; `null` when the layout may compile no more
 * readers or the shape has no compiled reader of its own (a message of it is read the general way, as before).
 */
export function messageReader(layout: Layout, shape: Shape, mtiAt: number): CompiledUnpack | null {
  if (shape.message !== undefined) return shape.message;
  let message: CompiledUnpack | null = null;
  if (shape.compiled && shape.wire !== undefined && layout.shapes.mayCompile()) {
    message = compileUnpack(shape.plans, readOne, { at: mtiAt, wire: shape.wire }) ?? null;
  }
  shape.message = message;
  return message;
}

/**
 * The plans of the fields that the bitmap `bits` (`bytes` bytes, read at `offset`) marks, in ascending order; the
 * indicator bits (1 for the secondary bitmap, 65 for a tertiary one unless it marks field 65 too) are not fields, and
 * bits below the layout's `firstField` are ignored (as jPOS's unpack loop starts at `getFirstField()`). Throws for a
 * marked field that the layout does not define.
 */
function markedPlans(layout: Layout, bits: Uint8Array, bytes: number, offset: number): FieldPlan[] {
  const plans: FieldPlan[] = [];
  const skipIndicators = layout.bitmapBytes === 0;
  for (let i = 0; i < bytes; i++) {
    const b = bits[i]!;
    if (b === 0) continue;
    for (let j = 0; j < 8; j++) {
      if ((b & (0x80 >> j)) === 0) continue;
      const num = 8 * i + j + 1;
      if (skipIndicators && (num === 1 || (num === 65 && layout.tertiary && !layout.tertiaryField65))) continue;
      if (num < layout.firstField) continue;
      const plan = layout.plans[num];
      if (plan === undefined) {
        throw codecError('ISO8583_ERR_BITMAP', `bit ${num} set for a field that the dialect does not define`, {
          field: layout.path + num,
          offset,
        });
      }
      plans.push(plan);
    }
  }
  return plans;
}

/**
 * Reads a message's bitmaps at `offset` (the primary, then the secondary and tertiary ones that bits 1 and 65
 * announce) into `r.words`, the words of the bitmaps not there set to 0; returns their size in bytes (8, 16 or 24),
 * or -1 when they do not fit before `limit` or a hex character is not a hex digit (the byte-wise reading then tells
 * which).
 */
function readMessageBitmap(layout: Layout, r: Reader, offset: number, limit: number): number {
  const encoding = layout.bitmapEncoding;
  const size = bitmapWireSize(encoding, 8);
  const words = r.words;
  const buf = r.buf;
  if (offset + size > limit || !readBitmapWords(buf, offset, words, 0, 2, encoding)) return -1;
  let off = offset + size;
  let from = 2;
  if (words[0]! < 0) {
    if (off + size > limit || !readBitmapWords(buf, off, words, 2, 2, encoding)) return -1;
    off += size;
    from = 4;
    if (layout.tertiary && words[2]! < 0) {
      if (off + size > limit || !readBitmapWords(buf, off, words, 4, 2, encoding)) return -1;
      from = 6;
    }
  }
  for (let i = from; i < 6; i++) words[i] = 0;
  return 4 * from;
}

/** The bitmap bytes of `words` (`bytes` of them) in `bits`; returns `bits`. */
function bitsOfWords(words: Int32Array, bytes: number, bits: Uint8Array): Uint8Array {
  for (let i = 0; i < bytes; i++) bits[i] = (words[i >> 2]! >>> (24 - 8 * (i & 3))) & 0xff;
  return bits;
}

/** Reads `bytes` bitmap bytes at `offset` into `r.bits` from byte `into`; returns the offset after them. */
function readBitmapAt(layout: Layout, r: Reader, offset: number, limit: number, into: number, bytes: number): number {
  const encoding = layout.bitmapEncoding;
  const size = bitmapWireSize(encoding, bytes);
  if (offset + size > limit) {
    // The characters already there can still show that this is no bitmap (for stream framing).
    const whole = (limit - offset) >> 1;
    if (encoding !== BITMAP_BINARY && whole > 0 && !readBitmap(r.buf, offset, r.bits, into, whole, encoding)) {
      throw bitmapError(layout, offset);
    }
    throw r.truncated(layout.bitmapField, offset, limit);
  }
  if (!readBitmap(r.buf, offset, r.bits, into, bytes, encoding)) throw bitmapError(layout, offset);
  return offset + size;
}

function bitmapError(layout: Layout, offset: number): Error {
  return codecError('ISO8583_ERR_BITMAP', 'a bitmap character that is not a hex digit', { field: layout.bitmapField, offset });
}
