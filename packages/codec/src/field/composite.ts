/**
 * Composite fields: a field whose value is itself a layout of sub-fields (Postilion's 127, jPOS's nested
 * `isofieldpackager`). On the wire it is a binary (or hex character) value with a length prefix; inside, optional
 * fixed header bytes, then a bitmap and the present sub-fields, or every sub-field in order. Its contents are packed
 * with a child writer and read with a child reader, so the message being packed or read is left as it was.
 */
import type { IsoMessage, MessageInput } from '../types.js';
import type { FieldPlan } from './plan.js';
import type { Layout } from './compile.js';
import type { Writer } from './writer.js';
import { COMPOSITE_HEADER_KEY } from './compile.js';
import { ENC_EBCDIC_HEX, ENC_HEX } from './plan.js';
import { Reader } from './reader.js';
import { noteProblem, prepareText, prepareValue } from './prepare.js';
import { packFields, preparedBitmapSize, prepareFields, writeBitmapBefore, writePrepared } from './pack.js';
import { onlyPad, readLayout, readPositional } from './unpack.js';
import { truncated } from './truncated.js';
import { codecError } from '../errors.js';
import { BYTE_HEX, isHex } from '../encoding/hex-digits.js';
import { writeBinary } from '../encoding/binary.js';
import { readHexChars } from '../encoding/hex.js';
import { latin1 } from '../encoding/ascii.js';

/** The value of an absent sub-field of a positional composite: padding for a fixed field, empty for a variable one. */
export function absentPositional(plan: FieldPlan, lenient: boolean, w: Writer): string | undefined {
  if (plan.fixed && plan.hexForm) return prepareValue(plan, '00'.repeat(plan.length), lenient, w.problem);
  if (plan.composite !== undefined) return prepareComposite(plan, {}, lenient, w);
  return prepareValue(plan, '', lenient, w.problem);
}

/**
 * The number of the last sub-field a positional layout sends for `msg`: its last sub-field, or with
 * `omitTrailingAbsent` the last one present (-1 when none is), as jPOS `GenericSubFieldPackager.pack` runs from its
 * first field to the message's highest field number.
 */
export function lastPositional(layout: Layout, msg: MessageInput): number {
  const order = layout.order;
  if (!layout.omitTrailingAbsent) return order.length === 0 ? -1 : order[order.length - 1]!.num;
  for (let i = order.length - 1; i >= 0; i--) {
    const v = msg[order[i]!.key];
    if (v !== undefined && v !== null) return order[i]!.num;
  }
  return -1;
}

/**
 * Packs a composite field's value (an object of sub-fields) with the child writer of `w`, and checks it like a
 * binary value; returns its hex, or `undefined` with the problem noted in `w`.
 */
export function prepareComposite(plan: FieldPlan, v: unknown, lenient: boolean, w: Writer): string | undefined {
  if (typeof v !== 'object' || v === null) {
    return noteProblem(w.problem, 'ISO8583_ERR_FIELD_VALUE', 'a composite field takes an object of sub-fields');
  }
  const bytes = packContent(plan.composite as Layout, v as MessageInput, lenient, w.child());
  if (bytes === undefined) return noteProblem(w.problem, 'ISO8583_ERR_INVALID_MESSAGE', 'invalid sub-fields');
  let hex = '';
  for (let i = 0; i < bytes.length; i++) hex += BYTE_HEX[bytes[i]!];
  // A fixed text field (jPOS IF_CHAR) longer than its sub-fields' bytes: padded on the right, as jPOS pads it.
  if (plan.contentPad >= 0 && bytes.length < plan.length) hex += BYTE_HEX[plan.contentPad]!.repeat(plan.length - bytes.length);
  return prepareText(plan, hex, lenient, w.problem);
}

/** Packs a composite's contents (header bytes, then bitmap and sub-fields) with `w`; undefined on a problem. */
export function packContent(layout: Layout, msg: MessageInput, lenient: boolean, w: Writer): Buffer | undefined {
  const header = msg[COMPOSITE_HEADER_KEY];
  let start: number;
  let end: number;
  const reserve = layout.headerLength + layout.maxBitmapSize();
  w.ensure(reserve + 64);
  end = layout.positional ? -2 : packFields(layout, msg, w, reserve, lenient);
  if (end === -1) return undefined;
  if (end === -2) {
    if (!prepareFields(layout, msg, lenient, w)) return undefined;
    w.ensure(layout.headerLength + preparedBitmapSize(layout, w) + 8);
    start = 0;
    end = writePrepared(layout, w, layout.headerLength);
  } else {
    start = writeBitmapBefore(layout, w, reserve) - layout.headerLength;
  }
  if (layout.headerLength > 0) {
    if (header === undefined || header === null) w.buf.fill(0, start, start + layout.headerLength);
    else if (typeof header === 'string' && isHex(header) && header.length === 2 * layout.headerLength) {
      writeBinary(w.buf, start, header);
    } else {
      return undefined;
    }
  }
  return Buffer.from(w.buf.subarray(start, end));
}

/**
 * Reads the composite field `plan` at `offset`: its extent, then its header and sub-fields with a child reader; they
 * must fill it exactly, but for the pad bytes of a fixed text composite after the last one (`FieldPlan.contentPad`):
 * with `omitTrailingAbsent`, the sub-fields end where only those pad bytes are left ({@link readPositional}).
 * Leaves `r.pos` after the field.
 */
export function readComposite(r: Reader, plan: FieldPlan, offset: number, limit: number, lenient: boolean): IsoMessage {
  r.extent(plan, offset, limit);
  const start = r.pos;
  const end = start + r.wire;
  let inner: Reader;
  let from = start;
  let to = end;
  if (plan.enc === ENC_HEX || plan.enc === ENC_EBCDIC_HEX) {
    const hex = readHexChars(r.buf, start, r.wire, plan.enc === ENC_EBCDIC_HEX);
    if (hex === undefined) {
      throw codecError('ISO8583_ERR_ENCODING', 'a character that is not a hex digit', { field: plan.id, offset });
    }
    const content = Buffer.from(hex, 'hex');
    inner = new Reader(content, latin1(content, content.length), -1);
    from = 0;
    to = content.length;
  } else {
    // The contents are a slice of the same bytes: the same text serves (a read never passes `to`).
    inner = new Reader(r.buf, r.text, -1);
  }
  const sub = plan.composite as Layout;
  let off = from;
  let header: string | undefined;
  if (sub.headerLength > 0) {
    if (off + sub.headerLength > to) throw truncated(`${plan.id}.${COMPOSITE_HEADER_KEY}`, off, false);
    header = '';
    for (let i = 0; i < sub.headerLength; i++) header += BYTE_HEX[inner.buf[off + i]!];
    off += sub.headerLength;
  }
  // Trailing sub-fields not sent, and the box padded after the last one sent: the pad ends the sub-fields.
  const out = sub.omitTrailingAbsent
    ? readPositional(sub, inner, off, to, lenient, plan.contentPad)
    : readLayout(sub, inner, off, to, lenient);
  if (header !== undefined) out[COMPOSITE_HEADER_KEY] = header;
  off = inner.pos;
  if (off !== to && !onlyPad(inner.buf, off, to, plan.contentPad)) {
    throw codecError('ISO8583_ERR_TRAILING_BYTES', 'bytes left after the last sub-field', { field: plan.id, offset });
  }
  r.pos = end;
  return out;
}
