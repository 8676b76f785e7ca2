/**
 * The SocketQueue view of a decoded message: what SocketQueue's HTTP JSON service answers, for clients written
 * against it (`if (result["39"] === 0)`). Fixed-length numeric fields (type `n`, no length prefix) become JSON numbers
 * (`"000"` -> `0`, `"643"` -> `643`: packed back, they are padded to the same digits); variable-length ones stay text
 * (32 `"00123"`: as a number it would pack back as `"123"`, another institution), as SocketQueue's `ll-n` kept them; the bitmap is shown as field `"1"` (hex, as SocketQueue does), everything else stays text. As in
 * SocketQueue's answers, the fields it pads keep their zeros as text (MTI, 7 transmission time, 11 STAN, 12 local
 * time, 22 entry mode, 41 terminal, 42 merchant); card data and a value too long to be a safe integer stay text too,
 * so no digit is ever lost.
 */
import type { Dialect, IsoMessage } from '../types.js';

/** One field of the SocketQueue view. */
export type SocketQueueValue = string | number | SocketQueueMessage;

/** A message as SocketQueue's HTTP JSON service shows it. */
export interface SocketQueueMessage {
  [field: string]: SocketQueueValue;
}

const DIGITS = /^\d{1,15}$/;

/** Numeric fields SocketQueue answers as padded text (its SmartVista packager's `padFields`, less 49). */
const KEPT_AS_TEXT = new Set(['0', '7', '11', '12', '22', '41', '42']);

/**
 * The bitmap(s) of a message's fields as hex, as pack writes them: primary, secondary when a field above 64 is
 * present, and tertiary (announced by bit 65) when one above 128 is (a dialect with a tertiary bitmap).
 */
function bitmapHex(message: IsoMessage): string {
  const ids = Object.keys(message).map(Number).filter((n) => Number.isInteger(n) && n >= 2 && n <= 192);
  const max = Math.max(0, ...ids);
  const bits = new Uint8Array(max > 128 ? 24 : max > 64 ? 16 : 8);
  if (max > 64) bits[0]! |= 0x80;
  if (max > 128) bits[8]! |= 0x80;
  for (const n of ids) bits[(n - 1) >> 3]! |= 0x80 >> ((n - 1) & 7);
  return Buffer.from(bits).toString('hex');
}

/**
 * `message` (as `unpack` returns it) in SocketQueue's form under `dialect`: numeric fields as numbers, the bitmap as
 * `"1"`. Keys that are not field numbers are left out (their names are never echoed). A composite field shows its
 * sub-fields the same way (numeric ones as numbers) and its `header` as it is, with no bitmap made up: its sub-field 1
 * is data, as unpack read it.
 */
export function toSocketQueueObject(message: IsoMessage, dialect: Pick<Dialect, 'fields'>): SocketQueueMessage {
  // Integer-like keys keep ascending order in a JS object: 0, 1 (the bitmap), then the fields.
  return viewOf(message, dialect.fields, { '1': bitmapHex(message) }, true);
}

/** The fields of `message` (a message when `top`, else a composite's contents) added to `out` in SocketQueue's form. */
function viewOf(message: IsoMessage, fields: Dialect['fields'], out: SocketQueueMessage, top: boolean): SocketQueueMessage {
  for (const [id, value] of Object.entries(message)) {
    if (!top && id === 'header' && typeof value === 'string') {
      out.header = value;
      continue;
    }
    if (!/^(0|[1-9][0-9]{0,2})$/.test(id)) continue;
    const spec = fields[id];
    if (top && id === '1') continue;
    if (typeof value !== 'string') {
      out[id] = spec?.subfields !== undefined ? viewOf(value, spec.subfields.fields, {}, false) : (value as unknown as SocketQueueValue);
      continue;
    }
    // Fixed-length only (SocketQueue's `n` packer reads them with parseInt, its `ll-n` keeps the text): a number packs
    // back padded to the same digits; a variable-length one (32 "00123") would lose its leading zeros.
    const numeric = spec !== undefined && spec.type === 'n' && spec.prefix === undefined && spec.sensitive === undefined && !(top && KEPT_AS_TEXT.has(id));
    out[id] = numeric && DIGITS.test(value) ? Number(value) : value;
  }
  return out;
}
