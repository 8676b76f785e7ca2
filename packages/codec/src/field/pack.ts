/**
 * Packing the fields of a layout (the part of a message after the MTI, or a composite's contents) into a
 * {@link Writer}. The fast path writes every field in one pass in ascending order, checking it on the way, then puts
 * the bitmap before them; the slow path (keys out of order or that are no fields) prepares every value first, sorts
 * them and writes bitmap and fields after.
 */
import type { MessageInput } from '../types.js';
import type { Layout } from './compile.js';
import type { Writer } from './writer.js';
import { COMPOSITE_HEADER_KEY } from './compile.js';
import { fieldNumber } from './writer.js';
import { prepareValue } from './prepare.js';
import { ownFields, plainValues } from './own-fields.js';
import { maxWireSize, writeField } from './write.js';
import { writeValue, writtenTo } from './fast-write.js';
import { absentPositional, lastPositional, prepareComposite } from './composite.js';
import { bitmapWireSize, writeBitmap } from '../bitmap/bitmap.js';

/**
 * Fast path: writes the fields of `msg` at `base` (the caller keeps room for the largest bitmap before it) while
 * checking them, and notes their bits in `w`. Returns the offset after the last field, -1 on the first problem (the
 * caller then collects them all), or -2 when the message has keys that are not fields of this layout (the caller
 * then uses {@link prepareFields} and {@link writePrepared}, which name them), or when a value it reads is not that
 * of an own enumerable key (inherited or hidden: no field, `own-fields.ts`; those ways see only the own keys).
 * `values` is {@link plainValues} of `msg` (taken here unless the caller has; `undefined`: -2).
 */
export function packFields(
  layout: Layout,
  msg: MessageInput,
  w: Writer,
  base: number,
  lenient: boolean,
  values: readonly unknown[] | undefined = plainValues(msg),
): number {
  if (values === undefined) return -2;
  const order = layout.order;
  const bits = w.bits;
  bits.fill(0);
  const first = w.buf;
  let off = base;
  let last = 0;
  // Values are read by number (much cheaper than enumerating the keys); the key count then tells whether the
  // message has keys that are not fields of this layout (the slow path names them). `Object.values` lists the
  // integer keys' first, ascending, as they are read here: the `at`-th value must be the one read, or it is not an
  // own enumerable key's (the slow path, which reads only those). A composite's header, a key of letters, comes last.
  const total = values.length;
  let found = 0;
  let at = 0;
  if (layout.composite) {
    const header = msg[COMPOSITE_HEADER_KEY];
    if (header !== undefined) {
      if (header !== values[total - 1]) return -2;
      found++;
    }
  } else {
    const v0 = msg[0];
    if (v0 !== undefined) {
      if (v0 !== values[at++]) return -2;
      found++;
    }
    const v1 = msg[1];
    if (v1 !== undefined) {
      if (v1 !== values[at++]) return -2;
      found++;
    }
  }
  for (let i = 0; i < order.length && found < total; i++) {
    const plan = order[i]!;
    const num = plan.num;
    const v = msg[num];
    if (v === undefined) continue;
    if (v !== values[at++]) {
      w.wipe(first, base, off);
      return -2;
    }
    found++;
    if (v === null) continue;
    if (typeof v === 'string' && plan.composite === undefined) {
      const next = writeValue(w, off, plan, v, lenient);
      if (next < 0) {
        w.wipe(first, base, writtenTo(plan, off, v));
        return -1;
      }
      off = next;
    } else {
      const s = plan.composite === undefined ? prepareValue(plan, v, lenient, w.problem) : prepareComposite(plan, v, lenient, w);
      if (s === undefined) {
        w.wipe(first, base, off);
        return -1;
      }
      w.ensure(off + maxWireSize(s));
      off = writeField(w.buf, off, plan, s);
    }
    const bit = num - 1;
    bits[bit >> 3]! |= 0x80 >> (bit & 7);
    last = num;
  }
  if (found !== total) {
    w.wipe(first, base, off);
    return -2;
  }
  w.maxId = last;
  return off;
}

/** Writes the bitmap of the fields packed by {@link packFields} so that it ends at `end`; returns where it starts. */
export function writeBitmapBefore(layout: Layout, w: Writer, end: number): number {
  const bits = w.bits;
  const bytes = layout.bitmapBytesFor(w.maxId);
  if (layout.bitmapBytes === 0) {
    // Bit 1 announces the secondary bitmap, bit 65 the tertiary one.
    if (bytes > 8) bits[0]! |= 0x80;
    if (bytes > 16) bits[8]! |= 0x80;
  }
  const start = end - bitmapWireSize(layout.bitmapEncoding, bytes);
  writeBitmap(w.buf, start, bits, 0, bytes, layout.bitmapEncoding);
  return start;
}

/**
 * Slow path: reads the fields of `msg`, its own enumerable keys (skipping `"0"` and `"1"` in a message, `header` in a composite), prepares
 * every value into `w` in ascending order. False on the first problem (the caller then collects them all).
 */
export function prepareFields(layout: Layout, msg: MessageInput, lenient: boolean, w: Writer): boolean {
  if (layout.positional) return preparePositional(layout, msg, lenient, w);
  const plans = layout.plans;
  const nums = w.nums;
  const strs = w.strs;
  let count = 0;
  let maxId = 0;
  let last = -1;
  let sorted = true;
  for (const key of Object.keys(msg)) {
    const v = msg[key];
    if (v === undefined || v === null) continue;
    const num = fieldNumber(key);
    if (!layout.composite && (num === 0 || num === 1)) continue;
    if (num < 0 && key === COMPOSITE_HEADER_KEY && layout.composite) continue;
    const plan = num < 0 ? undefined : plans[num];
    if (plan === undefined) return false;
    const s = plan.composite === undefined ? prepareValue(plan, v, lenient, w.problem) : prepareComposite(plan, v, lenient, w);
    if (s === undefined) return false;
    nums[count] = num;
    strs[count] = s;
    count++;
    if (num < last) sorted = false;
    last = num;
    if (num > maxId) maxId = num;
  }
  if (!sorted) sortPrepared(w, count);
  w.count = count;
  w.maxId = maxId;
  return true;
}

function preparePositional(layout: Layout, given: MessageInput, lenient: boolean, w: Writer): boolean {
  // Sub-fields are read by key (an absent one is padded): from a copy of the own keys, which has no other.
  const msg = ownFields(layout, given);
  for (const key in msg) {
    const v = msg[key];
    if (v === undefined || v === null || key === COMPOSITE_HEADER_KEY) continue;
    const num = fieldNumber(key);
    if (num < 0 || layout.plans[num] === undefined) return false;
  }
  let count = 0;
  const last = lastPositional(layout, msg);
  for (const plan of layout.order) {
    if (plan.num > last) break;
    const v = msg[plan.key];
    let s: string | undefined;
    if (v === undefined || v === null) s = absentPositional(plan, lenient, w);
    else s = plan.composite === undefined ? prepareValue(plan, v, lenient, w.problem) : prepareComposite(plan, v, lenient, w);
    if (s === undefined) return false;
    w.nums[count] = plan.num;
    w.strs[count] = s;
    count++;
  }
  w.count = count;
  w.maxId = count === 0 ? 0 : w.nums[count - 1]!;
  return true;
}

/** Insertion sort of the prepared fields by number (they come in key order, which is nearly always ascending). */
function sortPrepared(w: Writer, count: number): void {
  const nums = w.nums;
  const strs = w.strs;
  for (let i = 1; i < count; i++) {
    const n = nums[i]!;
    const s = strs[i]!;
    let j = i - 1;
    while (j >= 0 && nums[j]! > n) {
      nums[j + 1] = nums[j]!;
      strs[j + 1] = strs[j]!;
      j--;
    }
    nums[j + 1] = n;
    strs[j + 1] = s;
  }
}

/** The bitmap bytes on the wire for the fields prepared in `w` (0 for a positional layout). */
export function preparedBitmapSize(layout: Layout, w: Writer): number {
  if (layout.positional) return 0;
  return bitmapWireSize(layout.bitmapEncoding, layout.bitmapBytesFor(w.maxId));
}

/** Writes the bitmap and the fields prepared in `w` at `offset`; returns the offset after them. */
export function writePrepared(layout: Layout, w: Writer, offset: number): number {
  const count = w.count;
  const nums = w.nums;
  const strs = w.strs;
  const plans = layout.plans;
  const bits = w.bits;
  let off = offset;
  let bitmapAt = -1;
  let bitmapLen = 0;
  if (!layout.positional) {
    bits.fill(0);
    bitmapLen = layout.bitmapBytesFor(w.maxId);
    bitmapAt = off;
    off += bitmapWireSize(layout.bitmapEncoding, bitmapLen);
  }
  for (let i = 0; i < count; i++) {
    const num = nums[i]!;
    const s = strs[i]!;
    w.ensure(off + maxWireSize(s));
    off = writeField(w.buf, off, plans[num]!, s);
    const bit = num - 1;
    bits[bit >> 3]! |= 0x80 >> (bit & 7);
    strs[i] = '';
  }
  if (bitmapAt >= 0) {
    if (layout.bitmapBytes === 0) {
      if (bitmapLen > 8) bits[0]! |= 0x80;
      if (bitmapLen > 16) bits[8]! |= 0x80;
    }
    writeBitmap(w.buf, bitmapAt, bits, 0, bitmapLen, layout.bitmapEncoding);
  }
  w.count = 0;
  return off;
}
