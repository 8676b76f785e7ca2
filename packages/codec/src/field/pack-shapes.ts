/**
 * Pack plans per set of keys: a link sends a handful of message types, each with the same keys every time, so
 * once a message's set of fields has been packed {@link PLAN_AFTER} times the layout keeps a plan for it: the plans
 * of its fields in ascending order and its bitmap as it travels. A pack whose message has exactly those keys (as
 * many own enumerable keys, and the values of the plan's keys are its `Object.values`, one by one: inherited and
 * hidden keys are no fields, `own-fields.ts`) then writes them straight from the plan: no walk over every field
 * number of the dialect (reading an absent key is the dear part of that walk), no bitmap built bit by bit and encoded. Every value is still checked by the one-pass writer of the interpreter (`fast-write.ts`),
 * and any problem is reported by the interpreter, so codes and words never change.
 *
 * A plan with ASCII text fields also gets a compiled packer (`compile-pack.ts`), which writes those natively and
 * checks them on the bytes; it hands over to the plan's interpreter on anything it does not write as it is.
 *
 * Bounded: {@link PLANS} plans per layout (the newest takes the place of the oldest), {@link PENDING} key sets
 * counted towards one, and {@link COMPILE_BUDGET} packers compiled per layout. Plans hold field numbers and bitmap
 * bytes only, never message data.
 */
import type { MessageInput } from '../types.js';
import type { FieldPlan } from './plan.js';
import type { Layout } from './compile.js';
import type { Writer } from './writer.js';
import type { CompiledPack } from './compile-pack.js';
import { compilePack } from './compile-pack.js';
import { writeValue, writtenTo } from './fast-write.js';
import { bitmapWireSize, writeBitmap } from '../bitmap/bitmap.js';

/** Packs of one set of keys by the interpreter before a plan is kept for it. */
export const PLAN_AFTER = 8;

/** Plans kept per layout (tried in turn, most recently made first). */
export const PLANS = 4;

/**
 * Hand-overs in a row (the compiled packer refused, the interpreter packed) after which a plan drops its compiled
 * packer: a caller whose values the compiled code never writes as they are (Latin-1 text, values to pad) would
 * otherwise pay for both on every pack.
 */
export const REFUSALS_MAX = 8;

/** Sets of keys counted towards a plan at one time. */
const PENDING = 8;

/**
 * Packers a layout compiles in its lifetime: enough for every message type of a link many times over; past it (a
 * caller cycling through more sets of keys than {@link PLANS}) plans are packed by the interpreter, so that no
 * traffic can keep the codec compiling. Nothing depends on a packer being compiled: the bytes and the errors are
 * the same.
 */
export const COMPILE_BUDGET = 256;

/** The plan of one set of keys of a message: MTI (`"0"`), maybe `"1"` (ignored), and the fields of a bitmap. */
export class PackShape {
  /** The 24 bitmap bytes of the fields (bit N = field N; the indicator bits not set). */
  readonly bits: Uint8Array;
  /** Own keys of a message of this shape: the fields, `"0"`, and `"1"` when {@link has1}. */
  readonly count: number;
  /** The message also has the key `"1"` (a bitmap given on input, which is ignored). */
  readonly has1: boolean;
  /** The plans of the fields, ascending. */
  readonly plans: readonly FieldPlan[];
  /** The bitmap as it travels (indicator bits set, encoded). */
  readonly bitmap: Uint8Array;
  /** Interpreter packs of this set of keys so far. */
  seen = 1;
  /** The compiled packer of this plan (made when the plan is), if any. */
  compiled: CompiledPack | undefined = undefined;
  /** Hand-overs of {@link compiled} in a row (it is dropped at {@link REFUSALS_MAX}). */
  refusals = 0;

  constructor(layout: Layout, bits: Uint8Array, has1: boolean) {
    this.bits = bits.slice();
    this.has1 = has1;
    const plans: FieldPlan[] = [];
    let maxId = 0;
    for (const plan of layout.order) {
      const bit = plan.num - 1;
      if ((bits[bit >> 3]! & (0x80 >> (bit & 7))) !== 0) {
        plans.push(plan);
        maxId = plan.num;
      }
    }
    this.plans = plans;
    this.count = plans.length + 1 + (has1 ? 1 : 0);
    const bytes = layout.bitmapBytesFor(maxId);
    const wire = this.bits.slice();
    if (bytes > 8) wire[0]! |= 0x80;
    if (bytes > 16) wire[8]! |= 0x80;
    this.bitmap = new Uint8Array(bitmapWireSize(layout.bitmapEncoding, bytes));
    writeBitmap(this.bitmap, 0, wire, 0, bytes, layout.bitmapEncoding);
  }

  /** True when `bits` (24 bytes) and `has1` are this shape's. */
  same(bits: Uint8Array, has1: boolean): boolean {
    if (has1 !== this.has1) return false;
    const mine = this.bits;
    for (let i = 0; i < 24; i++) if (mine[i] !== bits[i]) return false;
    return true;
  }
}

/** The plans of one layout (a message's, never a composite's: those go the interpreter's way). */
export class PackShapes {
  /** The plans made, newest first. */
  readonly plans: PackShape[] = [];
  /** Sets of keys being counted towards a plan, newest first. */
  private readonly pending: PackShape[] = [];
  /** Packers compiled so far (up to {@link COMPILE_BUDGET}). */
  private compiles = 0;

  /**
   * Notes a message the interpreter has just packed without a problem (its fields' bits in `w.bits`), whose own
   * enumerable keys number `total` (every value it read was one of them). Only a message of plain string values with
   * no key but fields, `"0"` and `"1"` counts; after {@link PLAN_AFTER} of one set of keys, a plan is made for it.
   */
  note(layout: Layout, msg: MessageInput, w: Writer, total: number): void {
    const has1 = msg[1] !== undefined;
    const bits = w.bits;
    let fields = 0;
    for (let i = 0; i < 24; i++) {
      let b = bits[i]!;
      while (b !== 0) {
        fields++;
        b &= b - 1;
      }
    }
    // Null or undefined values, or keys that are no fields, make a set of keys that no plan is made for.
    if (fields + 1 + (has1 ? 1 : 0) !== total || typeof msg[0] !== 'string') return;
    for (const shape of this.plans) if (shape.same(bits, has1)) return;
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) {
      const shape = pending[i]!;
      if (!shape.same(bits, has1)) continue;
      if (++shape.seen < PLAN_AFTER) return;
      pending.splice(i, 1);
      if (!shape.plans.every((plan) => typeof msg[plan.num] === 'string' && plan.composite === undefined)) return;
      if (this.compiles < COMPILE_BUDGET) {
        shape.compiled = compilePack(shape.plans, shape.bitmap, writeValue, has1 ? 2 : 1);
        if (shape.compiled !== undefined) this.compiles++;
      }
      this.plans.unshift(shape);
      if (this.plans.length > PLANS) this.plans.pop();
      return;
    }
    pending.unshift(new PackShape(layout, bits, has1));
    if (pending.length > PENDING) pending.pop();
  }
}

/**
 * Packs `msg` (whose own enumerable keys' values are `values`, `Object.values`) by the plan of exactly those keys, if
 * the layout has one: `mti` (checked ASCII digits, or `""` when the caller writes the MTI) at `at`, its bitmap after it, then its fields, each by
 * `writeValue` as the interpreter writes it. Returns the offset after the last field; -1 on a value with a problem
 * (the caller then collects every problem, as for the interpreter); -2 when no plan fits (the interpreter packs it).
 */
export function packByShape(
  layout: Layout,
  msg: MessageInput,
  w: Writer,
  at: number,
  lenient: boolean,
  values: readonly unknown[],
  mti: string,
): number {
  const shapes = layout.packShapes.plans;
  const total = values.length;
  const v1 = msg[1];
  const has1 = v1 !== undefined;
  for (let k = 0; k < shapes.length; k++) {
    const shape = shapes[k]!;
    // Each value read must be the next of `values` (after the MTI's, checked by the caller, and `"1"`'s).
    if (shape.count !== total || shape.has1 !== has1 || (has1 && v1 !== values[1])) continue;
    const from = has1 ? 2 : 1;
    const compiled = shape.compiled;
    if (compiled !== undefined && !lenient) {
      const end = compiled(msg, w, at, mti, values);
      if (end >= 0) {
        shape.refusals = 0;
        return end;
      }
      if (end === -2) continue;
      // -3: the interpreter packs it (below), and reports any problem.
      if (++shape.refusals >= REFUSALS_MAX) shape.compiled = undefined;
    }
    const plans = shape.plans;
    const bitmap = shape.bitmap;
    const bitmapAt = at + mti.length;
    const first = w.buf;
    let off = bitmapAt + bitmap.length;
    for (let i = 0; i < plans.length; i++) {
      const plan = plans[i]!;
      const v = msg[plan.num];
      if (typeof v !== 'string' || v !== values[from + i]) {
        w.wipe(first, at, off);
        off = -2;
        break;
      }
      const next = writeValue(w, off, plan, v, lenient);
      if (next < 0) {
        w.wipe(first, at, writtenTo(plan, off, v));
        return -1;
      }
      off = next;
    }
    if (off === -2) continue;
    const buf = w.buf;
    for (let i = 0; i < mti.length; i++) buf[at + i] = mti.charCodeAt(i);
    buf.set(bitmap, bitmapAt);
    return off;
  }
  return -2;
}
