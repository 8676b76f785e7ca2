/**
 * A layout: a set of data elements and how their presence is told. In a message (and in a composite field with a
 * sub-bitmap) a bitmap says which fields follow, in ascending order; in a positional composite field every
 * sub-field follows in order. Compiled once per dialect; packs and unpacks the part of a message after the MTI.
 */
import type { BitmapSpec, CompositeSpec, FieldSpec, IsoMessage, MessageInput } from '../types.js';
import type { FieldProblem } from '../errors.js';
import { codecError } from '../errors.js';
import type { FieldPlan } from './plan.js';
import { ENC_EBCDIC_HEX, ENC_HEX, compileField } from './plan.js';
import { lastProblem, prepareText, prepareValue } from './prepare.js';
import { maxWireSize, writeField } from './write.js';
import { writeValue } from './fast-write.js';
import { cursor, readExtent, readField } from './read.js';
import { truncated } from './truncated.js';
import { Writer, fieldNumber } from './writer.js';
import { allowedBytes } from './charset.js';
import { BITMAP_BINARY, BITMAP_EBCDIC, BITMAP_HEX, bitmapWireSize, readBitmap, writeBitmap } from '../bitmap/bitmap.js';
import { BYTE_HEX, isHex } from '../encoding/hex-digits.js';
import { writeBinary } from '../encoding/binary.js';
import { readHexChars } from '../encoding/hex.js';
import { latin1 } from '../encoding/ascii.js';

const BITMAP_ENCODINGS: Record<string, number> = { binary: BITMAP_BINARY, hex: BITMAP_HEX, ebcdic: BITMAP_EBCDIC };

/** The key under which a composite field shows its fixed header bytes (uppercase hex). */
export const COMPOSITE_HEADER_KEY = 'header';

/** A compiled layout of fields. */
export class Layout {
  /** Plans by field number. */
  readonly plans: (FieldPlan | undefined)[];
  /** The plans in ascending order. */
  readonly order: FieldPlan[];
  /** True for a composite field's contents (sub-fields), false for a message. */
  readonly composite: boolean;
  /** Without a bitmap: every field in order. */
  readonly positional: boolean;
  /** One of the `BITMAP_*` constants. */
  readonly bitmapEncoding: number;
  /** A sub-field bitmap of this many bytes (bit N = sub-field N, no secondary bitmap); 0: the message rules. */
  readonly bitmapBytes: number;
  /** Bit 65 announces a tertiary bitmap. */
  readonly tertiary: boolean;
  /** The largest field number a bitmap can mark. */
  readonly maxField: number;
  /** Fixed bytes before a composite's sub-fields. */
  readonly headerLength: number;
  /** Field path prefix for errors (`"127."` for the sub-fields of 127). */
  readonly path: string;

  private readonly nums = new Int32Array(200);
  private readonly strs: string[] = new Array<string>(200).fill('');
  private readonly bits = new Uint8Array(24);
  private count = 0;
  private maxId = 0;
  /** The scratch buffer of a composite's contents. */
  private readonly writer: Writer | undefined;

  constructor(fields: Record<string, FieldSpec>, bitmap: BitmapSpec | undefined, composite: boolean, path: string, headerLength = 0) {
    this.composite = composite;
    this.positional = bitmap === undefined;
    this.bitmapEncoding = bitmap === undefined ? BITMAP_BINARY : (BITMAP_ENCODINGS[bitmap.encoding] ?? BITMAP_BINARY);
    this.bitmapBytes = composite && bitmap?.length !== undefined ? bitmap.length : 0;
    this.tertiary = bitmap?.tertiary === true;
    this.maxField = this.bitmapBytes > 0 ? 8 * this.bitmapBytes : this.tertiary ? 192 : 128;
    this.headerLength = headerLength;
    this.path = path;
    this.writer = composite ? new Writer() : undefined;
    this.plans = [];
    const nums = Object.keys(fields)
      .map(Number)
      .sort((a, b) => a - b);
    for (const num of nums) {
      const spec = fields[String(num)]!;
      if (!composite && (num < 2 || (num === 65 && this.tertiary))) continue;
      if (!this.positional && num > this.maxField) continue;
      const id = path + num;
      const sub = spec.subfields === undefined ? undefined : compileComposite(spec.subfields, `${id}.`);
      this.plans[num] = compileField(id, num, spec, sub);
    }
    this.order = this.plans.filter((p): p is FieldPlan => p !== undefined);
  }

  /** Bytes to keep before the fields for the largest bitmap this layout can have (0 when positional). */
  maxBitmapSize(): number {
    if (this.positional) return 0;
    if (this.bitmapBytes > 0) return bitmapWireSize(this.bitmapEncoding, this.bitmapBytes);
    return bitmapWireSize(this.bitmapEncoding, this.tertiary ? 24 : 16);
  }

  /**
   * Fast path of pack, one pass: writes the fields of `msg` at `base` (the caller keeps room for the largest
   * bitmap before it) while checking them, and notes their bits. Returns the offset after the last field, -1 on the
   * first problem (the caller then collects them all), or -2 when the message has keys that are not fields of this
   * layout (the caller then uses {@link prepare} and {@link write}, which name them).
   */
  packDirect(msg: MessageInput, w: Writer, base: number, lenient: boolean): number {
    const order = this.order;
    const bits = this.bits;
    bits.fill(0);
    let off = base;
    let last = 0;
    // Values are read by number (much cheaper than enumerating the keys); the key count then tells whether the
    // message has keys that are not fields of this layout (the slow path names them).
    let found = 0;
    if (this.composite) {
      if (msg[COMPOSITE_HEADER_KEY] !== undefined) found++;
    } else {
      if (msg[0] !== undefined) found++;
      if (msg[1] !== undefined) found++;
    }
    const total = Object.values(msg).length;
    for (let i = 0; i < order.length && found < total; i++) {
      const plan = order[i]!;
      const num = plan.num;
      const v = msg[num];
      if (v === undefined) continue;
      found++;
      if (v === null) continue;
      if (typeof v === 'string' && plan.composite === undefined) {
        off = writeValue(w, off, plan, v, lenient);
        if (off < 0) return -1;
      } else {
        const s = plan.composite === undefined ? prepareValue(plan, v, lenient) : prepareComposite(plan, v, lenient);
        if (s === undefined) return -1;
        w.ensure(off + maxWireSize(s));
        off = writeField(w.buf, off, plan, s);
      }
      const bit = num - 1;
      bits[bit >> 3]! |= 0x80 >> (bit & 7);
      last = num;
    }
    if (found !== total) return -2;
    this.maxId = last;
    return off;
  }

  /** Writes the bitmap of the fields packed by {@link packDirect} so that it ends at `end`; returns where it starts. */
  writeBitmapBefore(buf: Uint8Array, end: number): number {
    const bits = this.bits;
    let bytes = this.bitmapBytes;
    if (bytes === 0) {
      bytes = this.maxId > 128 ? 24 : this.maxId > 64 ? 16 : 8;
      if (bytes > 8) bits[0]! |= 0x80;
      if (bytes > 16) bits[8]! |= 0x80;
    }
    const start = end - bitmapWireSize(this.bitmapEncoding, bytes);
    writeBitmap(buf, start, bits, 0, bytes, this.bitmapEncoding);
    return start;
  }

  /**
   * Fast path of pack: reads the fields of `msg` (skipping `"0"` and `"1"` in a message, `header` in a composite),
   * prepares every value and remembers them. False on the first problem (the caller then collects them all).
   */
  prepare(msg: MessageInput, lenient: boolean): boolean {
    if (this.positional) return this.preparePositional(msg, lenient);
    const plans = this.plans;
    const nums = this.nums;
    const strs = this.strs;
    let count = 0;
    let maxId = 0;
    let last = -1;
    let sorted = true;
    for (const key in msg) {
      const v = msg[key];
      if (v === undefined || v === null) continue;
      const num = fieldNumber(key);
      if (!this.composite && (num === 0 || num === 1)) continue;
      if (num < 0 && key === COMPOSITE_HEADER_KEY && this.composite) continue;
      const plan = num < 0 ? undefined : plans[num];
      if (plan === undefined) return false;
      const s = plan.composite === undefined ? prepareValue(plan, v, lenient) : prepareComposite(plan, v, lenient);
      if (s === undefined) return false;
      nums[count] = num;
      strs[count] = s;
      count++;
      if (num < last) sorted = false;
      last = num;
      if (num > maxId) maxId = num;
    }
    if (!sorted) this.sortPrepared(count);
    this.count = count;
    this.maxId = maxId;
    return true;
  }

  private preparePositional(msg: MessageInput, lenient: boolean): boolean {
    for (const key in msg) {
      const v = msg[key];
      if (v === undefined || v === null || key === COMPOSITE_HEADER_KEY) continue;
      const num = fieldNumber(key);
      if (num < 0 || this.plans[num] === undefined) return false;
    }
    let count = 0;
    for (const plan of this.order) {
      const v = msg[plan.key];
      let s: string | undefined;
      if (v === undefined || v === null) s = absentPositional(plan, lenient);
      else s = plan.composite === undefined ? prepareValue(plan, v, lenient) : prepareComposite(plan, v, lenient);
      if (s === undefined) return false;
      this.nums[count] = plan.num;
      this.strs[count] = s;
      count++;
    }
    this.count = count;
    this.maxId = count === 0 ? 0 : this.order[count - 1]!.num;
    return true;
  }

  private sortPrepared(count: number): void {
    const nums = this.nums;
    const strs = this.strs;
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

  /** The bitmap bytes needed for the prepared fields (0 for a positional layout). */
  bitmapSize(): number {
    if (this.positional) return 0;
    if (this.bitmapBytes > 0) return bitmapWireSize(this.bitmapEncoding, this.bitmapBytes);
    const count = this.maxId > 128 ? 3 : this.maxId > 64 ? 2 : 1;
    return bitmapWireSize(this.bitmapEncoding, 8 * count);
  }

  /** Writes the bitmap and the prepared fields at `offset`; returns the offset after them. */
  write(w: Writer, offset: number): number {
    const count = this.count;
    const nums = this.nums;
    const strs = this.strs;
    const plans = this.plans;
    let off = offset;
    let bitmapAt = -1;
    let bitmapLen = 0;
    const bits = this.bits;
    if (!this.positional) {
      bits.fill(0);
      bitmapLen = this.bitmapBytes > 0 ? this.bitmapBytes : this.maxId > 128 ? 24 : this.maxId > 64 ? 16 : 8;
      bitmapAt = off;
      off += bitmapWireSize(this.bitmapEncoding, bitmapLen);
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
      if (this.bitmapBytes === 0) {
        if (bitmapLen > 8) bits[0]! |= 0x80;
        if (bitmapLen > 16) bits[8]! |= 0x80;
      }
      writeBitmap(w.buf, bitmapAt, bits, 0, bitmapLen, this.bitmapEncoding);
    }
    this.count = 0;
    return off;
  }

  /** Packs a composite's contents (header bytes, then bitmap and sub-fields); undefined on a problem. */
  packContent(msg: MessageInput, lenient: boolean): Buffer | undefined {
    const w = this.writer!;
    const header = msg[COMPOSITE_HEADER_KEY];
    let start: number;
    let end: number;
    const reserve = this.headerLength + this.maxBitmapSize();
    w.ensure(reserve + 64);
    end = this.positional ? -2 : this.packDirect(msg, w, reserve, lenient);
    if (end === -1) return undefined;
    if (end === -2) {
      if (!this.prepare(msg, lenient)) return undefined;
      w.ensure(this.headerLength + this.bitmapSize() + 8);
      start = 0;
      end = this.write(w, this.headerLength);
    } else {
      start = this.writeBitmapBefore(w.buf, reserve) - this.headerLength;
    }
    if (this.headerLength > 0) {
      if (header === undefined || header === null) w.buf.fill(0, start, start + this.headerLength);
      else if (typeof header === 'string' && isHex(header) && header.length === 2 * this.headerLength) {
        writeBinary(w.buf, start, header);
      } else {
        return undefined;
      }
    }
    return Buffer.from(w.buf.subarray(start, end));
  }

  /** Every problem of the fields of `msg` (slow path of pack, and `validate`). */
  collect(msg: MessageInput, lenient: boolean, problems: FieldProblem[]): void {
    for (const key in msg) {
      const v = msg[key];
      if (v === undefined || v === null) continue;
      const num = fieldNumber(key);
      if (!this.composite && (num === 0 || num === 1)) continue;
      if (this.composite && key === COMPOSITE_HEADER_KEY) {
        if (this.headerLength === 0) {
          problems.push({ field: this.path + key, code: 'ISO8583_ERR_FIELD_UNKNOWN', reason: 'this field has no header' });
        } else if (typeof v !== 'string' || !isHex(v) || v.length !== 2 * this.headerLength) {
          problems.push({
            field: this.path + key,
            code: 'ISO8583_ERR_HEADER',
            reason: `not ${this.headerLength} bytes of hex`,
          });
        }
        continue;
      }
      // A key from the input is cut to 6 characters: it could be anything, card data included.
      const id = this.path + (key.length > 6 ? `${key.slice(0, 6)}...` : key);
      if (num < 0 || (!this.composite && (num > this.maxField || (num === 65 && this.tertiary)))) {
        problems.push({ field: id, code: 'ISO8583_ERR_FIELD_ID', reason: 'not a field number of this dialect' });
        continue;
      }
      const plan = this.plans[num];
      if (plan === undefined) {
        problems.push({ field: id, code: 'ISO8583_ERR_FIELD_UNKNOWN', reason: 'a field that the dialect does not define' });
        continue;
      }
      if (plan.composite !== undefined) {
        const sub = plan.composite as Layout;
        if (typeof v !== 'object') {
          problems.push({ field: id, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a composite field takes an object of sub-fields' });
          continue;
        }
        const before = problems.length;
        sub.collect(v, lenient, problems);
        if (problems.length === before && prepareComposite(plan, v, lenient) === undefined) {
          problems.push({ field: id, code: lastProblem.code, reason: lastProblem.reason });
        }
        continue;
      }
      if (prepareValue(plan, v, lenient) === undefined) {
        problems.push({ field: id, code: lastProblem.code, reason: lastProblem.reason });
      }
    }
    if (this.positional) {
      for (const plan of this.order) {
        const v = msg[plan.key];
        if ((v === undefined || v === null) && absentPositional(plan, lenient) === undefined) {
          problems.push({ field: plan.id, code: lastProblem.code, reason: lastProblem.reason });
        }
      }
    }
  }

  /**
   * Reads the bitmap (or the positional fields) and the fields at `offset`, up to `limit`, into `out`; returns the
   * offset after the last field.
   */
  read(buf: Buffer, text: string, offset: number, limit: number, lenient: boolean, out: IsoMessage): number {
    if (this.positional) {
      let off = offset;
      for (const plan of this.order) {
        if (off >= limit) break;
        out[plan.num] = plan.composite === undefined ? readField(buf, text, off, limit, plan, lenient) : readComposite(buf, off, limit, plan, lenient);
        off = cursor.pos;
      }
      return off;
    }
    const bits = this.bits;
    let off = offset;
    let bytes: number;
    if (this.bitmapBytes > 0) {
      bytes = this.bitmapBytes;
      off = this.readBitmapAt(buf, off, limit, 0, bytes);
    } else {
      off = this.readBitmapAt(buf, off, limit, 0, 8);
      bytes = 8;
      if ((bits[0]! & 0x80) !== 0) {
        off = this.readBitmapAt(buf, off, limit, 8, 8);
        bytes = 16;
        if (this.tertiary && (bits[8]! & 0x80) !== 0) {
          off = this.readBitmapAt(buf, off, limit, 16, 8);
          bytes = 24;
        }
      }
    }
    const plans = this.plans;
    const skipIndicators = this.bitmapBytes === 0;
    for (let i = 0; i < bytes; i++) {
      const b = bits[i]!;
      if (b === 0) continue;
      for (let j = 0; j < 8; j++) {
        if ((b & (0x80 >> j)) === 0) continue;
        const num = 8 * i + j + 1;
        if (skipIndicators && (num === 1 || (num === 65 && this.tertiary))) continue;
        const plan = plans[num];
        if (plan === undefined) {
          throw codecError('ISO8583_ERR_BITMAP', `bit ${num} set for a field that the dialect does not define`, {
            field: this.path + num,
            offset,
          });
        }
        if (plan.text && plan.fixed) {
          // The common case inline: fixed-length ASCII text or digits, cut from the Latin-1 string.
          const end = off + plan.length;
          if (end > limit) throw truncated(plan.id, off, limit === cursor.end);
          if (!lenient && !allowedBytes(buf, off, plan.length, plan.mask)) {
            throw codecError('ISO8583_ERR_FIELD_TYPE', `characters that type ${plan.type} does not allow`, {
              field: plan.id,
              offset: off,
            });
          }
          out[num] = text.substring(off, end);
          off = end;
          continue;
        }
        if (plan.textLL) {
          // LLVAR text with ASCII length digits, inline.
          const start = off + plan.pfxDigits;
          if (start > limit) throw truncated(plan.id, off, limit === cursor.end);
          let length = 0;
          for (let k = off; k < start; k++) {
            const d = buf[k]! - 0x30;
            if (d < 0 || d > 9) {
              throw codecError('ISO8583_ERR_LENGTH_PREFIX', 'the length prefix is not a number', { field: plan.id, offset: off });
            }
            length = length * 10 + d;
          }
          if (length > plan.length) {
            throw codecError('ISO8583_ERR_LENGTH_OVER_MAX', `declared length ${length} over the maximum ${plan.length}`, {
              field: plan.id,
              offset: off,
            });
          }
          const end = start + length;
          if (end > limit) throw truncated(plan.id, off, limit === cursor.end);
          if (!lenient && !allowedBytes(buf, start, length, plan.mask)) {
            throw codecError('ISO8583_ERR_FIELD_TYPE', `characters that type ${plan.type} does not allow`, {
              field: plan.id,
              offset: off,
            });
          }
          out[num] = text.substring(start, end);
          off = end;
          continue;
        }
        out[num] = plan.composite === undefined ? readField(buf, text, off, limit, plan, lenient) : readComposite(buf, off, limit, plan, lenient);
        off = cursor.pos;
      }
    }
    return off;
  }

  private readBitmapAt(buf: Buffer, offset: number, limit: number, into: number, bytes: number): number {
    const size = bitmapWireSize(this.bitmapEncoding, bytes);
    const field = this.path === '' ? '1' : `${this.path}bitmap`;
    if (offset + size > limit) {
      // The characters already there can still show that this is no bitmap (for stream framing).
      const whole = (limit - offset) >> 1;
      if (this.bitmapEncoding !== BITMAP_BINARY && whole > 0 && !readBitmap(buf, offset, this.bits, into, whole, this.bitmapEncoding)) {
        throw codecError('ISO8583_ERR_BITMAP', 'a bitmap character that is not a hex digit', { field, offset });
      }
      throw truncated(field, offset, limit === cursor.end);
    }
    if (!readBitmap(buf, offset, this.bits, into, bytes, this.bitmapEncoding)) {
      throw codecError('ISO8583_ERR_BITMAP', 'a bitmap character that is not a hex digit', { field, offset });
    }
    return offset + size;
  }
}

/** The value of an absent sub-field of a positional composite: padding for a fixed field, empty for a variable one. */
function absentPositional(plan: FieldPlan, lenient: boolean): string | undefined {
  if (plan.fixed && plan.hexForm) return prepareValue(plan, '00'.repeat(plan.length), lenient);
  if (plan.composite !== undefined) return prepareComposite(plan, {}, lenient);
  return prepareValue(plan, '', lenient);
}

/** Packs a composite field's value (an object of sub-fields) and checks it like a binary value; returns its hex. */
function prepareComposite(plan: FieldPlan, v: unknown, lenient: boolean): string | undefined {
  if (typeof v !== 'object' || v === null) {
    lastProblem.code = 'ISO8583_ERR_FIELD_VALUE';
    lastProblem.reason = 'a composite field takes an object of sub-fields';
    return undefined;
  }
  const bytes = (plan.composite as Layout).packContent(v as MessageInput, lenient);
  if (bytes === undefined) {
    lastProblem.code = 'ISO8583_ERR_INVALID_MESSAGE';
    lastProblem.reason = 'invalid sub-fields';
    return undefined;
  }
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += BYTE_HEX[bytes[i]!];
  return prepareText(plan, hex, lenient);
}

/** Reads a composite field: its extent, then its header and sub-fields, which must fill it exactly. */
function readComposite(buf: Buffer, offset: number, limit: number, plan: FieldPlan, lenient: boolean): IsoMessage {
  readExtent(buf, offset, limit, plan);
  const start = cursor.pos;
  const end = start + cursor.wire;
  let content = buf;
  let from = start;
  let to = end;
  if (plan.enc === ENC_HEX || plan.enc === ENC_EBCDIC_HEX) {
    const hex = readHexChars(buf, start, cursor.wire, plan.enc === ENC_EBCDIC_HEX);
    if (hex === undefined) {
      throw codecError('ISO8583_ERR_ENCODING', 'a character that is not a hex digit', { field: plan.id, offset });
    }
    content = Buffer.from(hex, 'hex');
    from = 0;
    to = content.length;
  }
  const sub = plan.composite as Layout;
  const out: IsoMessage = {};
  const savedEnd = cursor.end;
  cursor.end = -1;
  try {
    let off = from;
    if (sub.headerLength > 0) {
      if (off + sub.headerLength > to) throw truncated(`${plan.id}.${COMPOSITE_HEADER_KEY}`, off, false);
      let hex = '';
      for (let i = 0; i < sub.headerLength; i++) hex += BYTE_HEX[content[off + i]!];
      out[COMPOSITE_HEADER_KEY] = hex;
      off += sub.headerLength;
    }
    off = sub.read(content, latin1(content, to), off, to, lenient, out);
    if (off !== to) {
      throw codecError('ISO8583_ERR_TRAILING_BYTES', 'bytes left after the last sub-field', { field: plan.id, offset });
    }
  } finally {
    cursor.end = savedEnd;
  }
  cursor.pos = end;
  return out;
}

/** Compiles the layout of a composite field's contents. */
export function compileComposite(spec: CompositeSpec, path: string): Layout {
  return new Layout(spec.fields, spec.bitmap, true, path, spec.headerLength ?? 0);
}
