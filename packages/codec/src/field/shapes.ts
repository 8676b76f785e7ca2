/**
 * Message shapes: what one bitmap says, worked out once. A layout sees few distinct bitmaps (a link carries a
 * handful of message types), so for each bitmap it keeps the fields it marks, in ascending order, and an object with
 * those keys. An unpack then walks that list instead of the bits, and clones the object (one copy of a ready-sized
 * store) instead of growing a new one field by field, which is where most of the time of a decode went.
 *
 * The cache is bounded ({@link SLOTS} bitmaps per layout, a newer one takes the slot of an older one) and holds no
 * message data: only field numbers and empty strings.
 */
import type { IsoMessage } from '../types.js';
import type { FieldPlan } from './plan.js';
import type { CompiledUnpack } from './compile-unpack.js';
import { wordAt } from '../bitmap/bitmap.js';

/** Bitmaps remembered per layout (a power of 2). */
const SLOTS = 64;

/**
 * Strict unpacks of a shape before its reader is compiled: a shape read this often is a message type the link
 * carries, not one of a peer's random bitmaps (which then cost no compilation).
 */
export const COMPILE_AFTER = 8;

/**
 * Readers a layout compiles in its lifetime: enough for every message type of a link many times over; past it (a
 * peer cycling through more bitmaps than the cache holds) shapes are read by the interpreter, so that no traffic
 * can keep the codec compiling.
 *
 * A stream cycling through more than {@link SLOTS} bitmaps spends it: a shape evicted by a newer one is made again
 * when its bitmap comes back, and compiled again after {@link COMPILE_AFTER} more reads, so the same message types
 * can use it up. Nothing depends on a reader being compiled: once the budget is spent `compiled` is `null` for every
 * new shape, and the interpreter gives the same messages and the same coded errors, only slower, for the rest of the
 * layout's life (test/compiled-unpack-budget.test.ts). A link's few message types, read before, keep their readers
 * while they keep their slots.
 */
export const COMPILE_BUDGET = 256;

/** One bitmap seen by a layout. */
export class Shape {
  /** The bitmap as six 32-bit words (fields 1-32, 33-64, ... 161-192), unused words 0. */
  readonly w0: number;
  readonly w1: number;
  readonly w2: number;
  readonly w3: number;
  readonly w4: number;
  readonly w5: number;
  /** The bitmap bytes on the wire (8, 16 or 24; or a sub-field bitmap's size). */
  readonly bytes: number;
  /** The plans of the fields the bitmap marks, in ascending order (indicator bits left out). */
  readonly plans: readonly FieldPlan[];
  /** An object with a key per field (and `"0"` for a message), every value empty: cloned by each unpack. */
  readonly template: IsoMessage;
  /** Strict unpacks of this shape so far, up to {@link COMPILE_AFTER}. */
  reads = 0;
  /** The compiled reader of this shape once it has been read {@link COMPILE_AFTER} times (`null`: none). */
  compiled: CompiledUnpack | null | undefined = undefined;
  /**
   * A message's bitmaps as they travelled when its compiled reader first read them, 4 bytes a word (the first byte
   * the most significant): the same bytes again are the same shape, without decoding them (`Shapes.recent`).
   */
  wire: Int32Array | undefined = undefined;
  /**
   * The compiled reader of a whole message of this shape, MTI and bitmaps included (`messageReader` in `unpack.ts`),
   * made when the shape is first the most recent one; `null` when none could be.
   */
  message: CompiledUnpack | null | undefined = undefined;

  constructor(words: Int32Array, bytes: number, plans: FieldPlan[], withMti: boolean) {
    this.w0 = words[0]!;
    this.w1 = words[1]!;
    this.w2 = words[2]!;
    this.w3 = words[3]!;
    this.w4 = words[4]!;
    this.w5 = words[5]!;
    this.bytes = bytes;
    this.plans = plans;
    const template: IsoMessage = {};
    if (withMti) template[0] = '';
    for (const plan of plans) template[plan.num] = '';
    this.template = template;
  }
}

/** The bitmap bytes `bits[0 .. bytes)` as six 32-bit words in `words` (the rest 0); returns their hash slot. */
export function bitmapWords(bits: Uint8Array, bytes: number, words: Int32Array): number {
  for (let i = 0; i < 6; i++) {
    const at = 4 * i;
    // A sub-field bitmap may end inside a word: its missing bytes count as 0.
    let w = 0;
    for (let j = 0; j < 4; j++) w = (w << 8) | (at + j < bytes ? bits[at + j]! : 0);
    words[i] = w;
  }
  return shapeSlot(words, bytes);
}

/** The hash slot of a bitmap of `bytes` bytes given as six 32-bit words (`bitmapWords`). */
export function shapeSlot(words: Int32Array, bytes: number): number {
  let h = bytes;
  for (let i = 0; i < 6; i++) h = Math.imul(h ^ words[i]!, 0x9e3779b1);
  return (h >>> 16) & (SLOTS - 1);
}

/**
 * The offset after the bitmaps at `offset` when their bytes are those of `wire` (`Shape.wire`), else -1. The bytes
 * decide everything a bitmap says, whether a secondary bitmap follows included, so the shape is the same.
 */
export function sameWire(wire: Int32Array, buf: Uint8Array, offset: number, limit: number): number {
  const n = wire.length;
  const end = offset + 4 * n;
  if (end > limit) return -1;
  for (let i = 0, o = offset; i < n; i++, o += 4) {
    if (wordAt(buf, o) !== wire[i]) return -1;
  }
  return end;
}

/** The bytes `offset .. end` of `buf` (a multiple of 4) as words, for `Shape.wire`. */
export function wireWords(buf: Uint8Array, offset: number, end: number): Int32Array {
  const words = new Int32Array((end - offset) >> 2);
  for (let i = 0, o = offset; o < end; i++, o += 4) words[i] = wordAt(buf, o);
  return words;
}

/** The shapes a layout has seen, by bitmap. */
export class Shapes {
  /**
   * The shape a compiled reader read last, when its bitmaps' bytes are known (`Shape.wire`): a link carries mostly
   * one message type, so the next message is tried against it before its bitmap is decoded and looked up.
   */
  recent: Shape | undefined = undefined;
  private readonly slots: (Shape | undefined)[] = new Array<Shape | undefined>(SLOTS).fill(undefined);
  /** Readers compiled so far (see {@link COMPILE_BUDGET}). */
  private compiles = 0;

  /** True (and counted) when one more reader may be compiled. */
  mayCompile(): boolean {
    if (this.compiles >= COMPILE_BUDGET) return false;
    this.compiles++;
    return true;
  }

  /** The shape in `slot` when it is the one of `words` and `bytes`, else `undefined`. */
  find(slot: number, words: Int32Array, bytes: number): Shape | undefined {
    const s = this.slots[slot];
    if (
      s === undefined ||
      s.bytes !== bytes ||
      s.w0 !== words[0] ||
      s.w1 !== words[1] ||
      s.w2 !== words[2] ||
      s.w3 !== words[3] ||
      s.w4 !== words[4] ||
      s.w5 !== words[5]
    ) {
      return undefined;
    }
    return s;
  }

  /** The shapes held now, in slot order (to inspect the cache; they hold no message data). */
  held(): Shape[] {
    return this.slots.filter((s): s is Shape => s !== undefined);
  }

  /** Keeps `shape` in `slot` (in place of the one there, if any). */
  keep(slot: number, shape: Shape): void {
    this.slots[slot] = shape;
  }
}
