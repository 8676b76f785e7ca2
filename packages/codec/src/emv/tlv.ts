import type { Iso8583Error } from '../errors.js';
import { codecError } from '../errors.js';
import { bytesArgument } from '../arguments.js';
import { pathUnder } from './tag-path.js';
import type { PathOf } from './tag-path.js';

/*
 * BER-TLV as EMV uses it in field 55 (EMV Book 3, Annex B):
 * - Tag: the first byte's bits 1-5 all set (0x1F) mean more tag bytes follow; each following byte with bit 8 set
 *   means one more follows. Bit 6 of the first byte set means a constructed object (its value is more TLV).
 * - Length: one byte 0x00-0x7F; or 0x81, 0x82, 0x83 followed by 1, 2 or 3 bytes of length (long form).
 * - Bytes 0x00 before, between and after data objects are padding without meaning and are skipped.
 */

/** One BER-TLV data object of EMV field 55. */
export interface TlvItem {
  /** The tag as uppercase hex, e.g. `9F26`. */
  tag: string;
  /** The value as uppercase hex (for a constructed tag: its encoded contents). */
  value: string;
  /** The nested data objects of a constructed tag (absent for a primitive tag). */
  children?: TlvItem[];
}

/** The longest tag accepted, in bytes (EMV tags have 1-3; BER allows more, nobody sends them in field 55). */
const MAX_TAG_BYTES = 4;
/** How deep constructed tags may nest before the data is refused (protects against hostile input). */
export const MAX_TLV_DEPTH = 8;

function tlvError(reason: string, offset: number, tag?: string): Iso8583Error {
  return codecError('ISO8583_ERR_TLV', tag === undefined ? reason : `tag ${tag}: ${reason}`, { offset });
}

function toBytes(data: string | Uint8Array): Uint8Array {
  if (typeof data !== 'string') {
    bytesArgument(data, 'data');
    return data;
  }
  // A character that is not a hex digit is named by its position (1-based, as the codec's field reasons do; the offset
  // is the byte it would be part of), never by its value: the text around it may be card data.
  const bad = data.search(/[^0-9A-Fa-f]/);
  if (bad >= 0) throw codecError('ISO8583_ERR_TLV', `TLV hex text has a character that is not a hex digit (character ${bad + 1})`, { offset: bad >> 1 });
  if (data.length % 2 !== 0) throw codecError('ISO8583_ERR_TLV', 'TLV hex text must have an even number of hex digits', { offset: 0 });
  return Buffer.from(data, 'hex');
}

function hex(bytes: Uint8Array, start: number, end: number): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start)
    .toString('hex')
    .toUpperCase();
}

/**
 * Reads the data objects in `[start, end)`. An error names the tag (and a length read after it) only when `nameFirst`
 * and the object is the first at this level: after a wrong length anywhere before it, the "tag" and its "length"
 * would be value bytes (PAN digits) read as such, and nothing in BER-TLV tells the two apart. Every other error gives
 * the offset alone.
 */
function parseRange(bytes: Uint8Array, start: number, end: number, depth: number, base: number, nameFirst = true): TlvItem[] {
  const items: TlvItem[] = [];
  let pos = start;
  while (pos < end) {
    if (bytes[pos] === 0x00) {
      pos++;
      continue;
    }
    const tagStart = pos;
    const first = bytes[pos++]!;
    if ((first & 0x1f) === 0x1f) {
      for (;;) {
        if (pos >= end) throw tlvError('the tag runs past the end of the data', base + tagStart);
        const b = bytes[pos++]!;
        if (pos - tagStart > MAX_TAG_BYTES) throw tlvError('a tag longer than 4 bytes', base + tagStart);
        if ((b & 0x80) === 0) break;
      }
    }
    const named = nameFirst && items.length === 0;
    const tag = named ? hex(bytes, tagStart, pos) : undefined;
    if (pos >= end) throw tlvError('the length is missing', base + pos, tag);
    const tagEnd = pos;
    const lengthStart = pos;
    let length = bytes[pos++]!;
    if (length > 0x7f) {
      const count = length & 0x7f;
      if (count === 0) throw tlvError('indefinite length is not allowed', base + lengthStart, tag);
      if (count > 3) throw tlvError('a length of more than 3 bytes', base + lengthStart, tag);
      if (pos + count > end) throw tlvError('the length runs past the end of the data', base + lengthStart, tag);
      length = 0;
      for (let i = 0; i < count; i++) length = length * 256 + bytes[pos++]!;
    }
    if (pos + length > end) {
      // The length too is value bytes (PAN digits) when the tag is: given only with the tag it belongs to.
      const what = tag === undefined ? 'a value' : `a value of ${length} bytes`;
      throw tlvError(`${what} runs past the end of the data`, base + lengthStart, tag);
    }
    const item: TlvItem = { tag: tag ?? hex(bytes, tagStart, tagEnd), value: hex(bytes, pos, pos + length) };
    if ((first & 0x20) !== 0) {
      if (depth >= MAX_TLV_DEPTH) throw tlvError('constructed tags nested too deep', base + tagStart, tag);
      item.children = parseRange(bytes, pos, pos + length, depth + 1, base, named);
    }
    items.push(item);
    pos += length;
  }
  return items;
}

/**
 * Parses BER-TLV bytes (hex or bytes) into data objects, constructed tags with their children. Throws
 * `ISO8583_ERR_TLV` with the byte offset for malformed data, and the tag (and the length it gives) only when the bad
 * data object is the first (at the top, or the first child of such a one): any later "tag" or "length" may be value
 * bytes read as such after a wrong length. So the text never holds a value.
 */
export function parseTlv(data: string | Uint8Array): TlvItem[] {
  const bytes = toBytes(data);
  return parseRange(bytes, 0, bytes.length, 0, 0);
}

/** Whether `tag` is a BER-TLV tag in hex as {@link buildTlv} accepts it (so safe to quote in an error). */
export function isTlvTag(tag: unknown): tag is string {
  try {
    tagBytes(tag, () => '', 0);
    return true;
  } catch {
    return false;
  }
}

/** Checks a tag given as hex: whole bytes, and the BER rules for multi-byte tags. Returns its bytes. */
function tagBytes(tag: unknown, path: PathOf, position: number): Buffer {
  // The text is not a tag, so it may be anything (card data): named by the path to its position only (`55.70.#1`).
  const bad = (): Iso8583Error => codecError('ISO8583_ERR_TLV', 'the tag is not a valid BER-TLV tag in hex', { field: `${path()}.#${position}` });
  if (typeof tag !== 'string' || tag.length < 2 || tag.length > 2 * MAX_TAG_BYTES || !/^[0-9A-Fa-f]+$/.test(tag)) {
    throw bad();
  }
  if (tag.length % 2 !== 0) throw bad();
  const bytes = Buffer.from(tag, 'hex');
  const multi = (bytes[0]! & 0x1f) === 0x1f;
  if (bytes[0] === 0x00) throw bad();
  if (!multi && bytes.length !== 1) throw bad();
  if (multi) {
    if (bytes.length === 1) throw bad();
    for (let i = 1; i < bytes.length; i++) {
      const more = (bytes[i]! & 0x80) !== 0;
      if (more !== (i < bytes.length - 1)) throw bad();
    }
  }
  return bytes;
}

function lengthBytes(length: number, field: PathOf): number[] {
  if (length < 0x80) return [length];
  if (length <= 0xff) return [0x81, length];
  if (length <= 0xffff) return [0x82, length >> 8, length & 0xff];
  if (length <= 0xffffff) return [0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  throw codecError('ISO8583_ERR_TLV', 'a value over 16 MB cannot be encoded', { field: field() });
}

/** A constructed tag's raw value must be data objects that parseTlv reads at that depth (the text names no inner byte). */
function readableValue(raw: Buffer, field: PathOf, depth: number): void {
  try {
    parseRange(raw, 0, raw.length, depth + 1, 0, false);
  } catch {
    throw codecError('ISO8583_ERR_TLV', 'the value of a constructed tag is not valid BER-TLV', { field: field() });
  }
}

/**
 * Writes `items` into `out`; returns their length in bytes. `path` is where they are (`55`, `55.70`), made only when
 * an error needs it: an error's `field` is the path of the bad data object (`55.70.9F26`; `55.70.#1`, its position,
 * when its tag is not a tag or its digits would spell a card number along the path: tag-path.ts).
 */
function buildInto(items: readonly TlvItem[], out: number[][], path: PathOf, depth: number): number {
  if (!Array.isArray(items)) throw codecError('ISO8583_ERR_TLV', 'not a list of data objects', { field: path() });
  if (depth > MAX_TLV_DEPTH) throw codecError('ISO8583_ERR_TLV', 'constructed tags nested too deep', { field: path() });
  let total = 0;
  items.forEach((item, i) => {
    if (item === null || typeof item !== 'object') {
      throw codecError('ISO8583_ERR_TLV', 'a data object must be an object', { field: `${path()}.#${i}` });
    }
    const tag = tagBytes(item.tag, path, i);
    const here = pathUnder(path, () => tag.toString('hex').toUpperCase(), i);
    let value: number[][];
    let length: number;
    const constructed = (tag[0]! & 0x20) !== 0;
    // parseTlv refuses a constructed tag this deep, whether built from children or from a raw value.
    if (constructed && depth >= MAX_TLV_DEPTH) {
      throw codecError('ISO8583_ERR_TLV', 'constructed tags nested too deep', { field: here() });
    }
    if (item.children !== undefined) {
      if (!constructed) throw codecError('ISO8583_ERR_TLV', 'a primitive tag cannot have children', { field: here() });
      value = [];
      length = buildInto(item.children, value, here, depth + 1);
    } else {
      if (typeof item.value !== 'string' || item.value.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(item.value)) {
        throw codecError('ISO8583_ERR_TLV', 'the value is not hex with whole bytes', { field: here() });
      }
      const raw = Buffer.from(item.value, 'hex');
      if (constructed) readableValue(raw, here, depth);
      value = [[...raw]];
      length = raw.length;
    }
    const head = [...tag, ...lengthBytes(length, here)];
    // One push per part, not `push(head, ...value)`: 100,000 children as arguments overflowed the stack (RangeError).
    out.push(head);
    for (const part of value) out.push(part);
    total += head.length + length;
  });
  return total;
}

/**
 * Builds BER-TLV bytes (uppercase hex) from data objects. A constructed tag is built from its `children` when
 * given (its `value` is then ignored), otherwise from its `value`. Lengths use the short form up to 127 bytes and
 * the 0x81/0x82/0x83 long forms above. Throws `ISO8583_ERR_TLV` whose `field` is the path of the bad data object
 * under `field` (the ISO field the data is for, default `55`): `55.70.9F26` (a bad tag by its position, `55.70.#1`),
 * never its value.
 */
export function buildTlv(items: readonly TlvItem[], field = '55'): string {
  const parts: number[][] = [];
  buildInto(items, parts, () => field, 0);
  return Buffer.from(parts.flat()).toString('hex').toUpperCase();
}
