import { codecError } from '../errors.js';
import type { TlvItem } from './tlv.js';
import { MAX_TLV_DEPTH, buildTlv, isTlvTag, parseTlv } from './tlv.js';
import { pathUnder } from './tag-path.js';
import type { PathOf } from './tag-path.js';

/**
 * EMV data as an object: tag (uppercase hex) -> value (uppercase hex), or for a constructed tag (e.g. `70`, `77`)
 * an object of its children. Used by the opt-in EMV views of field 55 in JSON and XML.
 */
export interface EmvTags {
  [tag: string]: string | EmvTags;
}

function toObject(items: readonly TlvItem[]): EmvTags | undefined {
  const out: EmvTags = {};
  for (const item of items) {
    if (Object.hasOwn(out, item.tag)) return undefined;
    if (item.children !== undefined) {
      const children = toObject(item.children);
      if (children === undefined) return undefined;
      out[item.tag] = children;
    } else {
      out[item.tag] = item.value;
    }
  }
  return out;
}

/**
 * The data objects of field 55 when the EMV view can show them without changing a byte, else `undefined` (callers
 * keep the hex): the data must be valid BER-TLV that {@link buildTlv} writes back the same, so no `00` padding
 * between data objects and no length in a longer form than needed (`81 08` for 8 bytes). Text must be in upper case
 * as buildTlv writes it: in a dialect where field 55 is text (`ans`, as in iso87ascii), lowercase hex digits are
 * other bytes on the wire. A MAC computed over field 55 so still holds after a round trip through the view.
 */
export function viewableTlv(data: string | Uint8Array): TlvItem[] | undefined {
  let items: TlvItem[];
  try {
    items = parseTlv(data);
  } catch {
    return undefined;
  }
  const original =
    typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('hex').toUpperCase();
  return buildTlv(items) === original ? items : undefined;
}

/**
 * Field 55 as an object of tags, or `undefined` when it cannot be shown that way (see {@link viewableTlv}, and a tag
 * that occurs twice at one level): callers then keep the hex. An object lists integer-like keys (`82`, `95`) first,
 * so the order of the data objects is not kept through it.
 */
export function emvToTags(data: string | Uint8Array): EmvTags | undefined {
  const items = viewableTlv(data);
  return items === undefined ? undefined : toObject(items);
}

/**
 * A key of the object as it may appear in an error: a BER-TLV tag (see {@link isTlvTag}) as it is; anything else is
 * input that may hold card data (eight PAN digits are eight hex digits), so it is named by its position at its level
 * (`#2`), as {@link buildTlv} names a data object by its index.
 */
function tagLabel(tag: string, position: number): string {
  return isTlvTag(tag) ? tag.toUpperCase() : `#${position}`;
}

/**
 * The data objects of `tags`; an error's `field` is the path of the bad key (`55.70.#1`), never its value, a level
 * named by its position where its digits would spell a card number along the path (tag-path.ts). Objects
 * nested deeper than BER-TLV may (`MAX_TLV_DEPTH`) are refused before they are read: a hostile object 5,000 deep
 * overflowed the stack (an uncoded RangeError).
 */
function toItems(tags: EmvTags, path: PathOf, depth = 0): TlvItem[] {
  if (depth > MAX_TLV_DEPTH) throw codecError('ISO8583_ERR_TLV', 'constructed tags nested too deep', { field: path() });
  const items: TlvItem[] = [];
  let position = 0;
  for (const [tag, value] of Object.entries(tags)) {
    const at = position;
    // Made only when an error names it.
    const field = pathUnder(path, () => tagLabel(tag, at), at);
    position++;
    const fail = (reason: string): never => {
      throw codecError('ISO8583_ERR_TLV', reason, { field: field() });
    };
    if (!isTlvTag(tag)) fail('not a valid BER-TLV tag in hex');
    if (typeof value === 'string') {
      if (value.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(value)) fail('the value is not hex with whole bytes');
      items.push({ tag, value });
    } else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      items.push({ tag, value: '', children: toItems(value, field, depth + 1) });
    } else {
      fail('a value must be hex text or an object of tags');
    }
  }
  return items;
}

/**
 * Builds field 55 (uppercase hex BER-TLV) from an object of tags, in the object's key order. Note that JavaScript
 * (and so `JSON.parse`) puts integer-like keys such as `82`, `84`, `95` first: the order of the data objects is not
 * kept through an object, which EMV allows (hosts find tags by name). Use {@link buildTlv} to control it. Throws
 * `ISO8583_ERR_TLV` whose `field` is the path of the bad tag or value (`55.70.9F26`; a key that is no tag by its
 * position, `55.70.#1`), never the value; objects nested deeper than 8 constructed tags are refused so too.
 */
export function emvFromTags(tags: EmvTags, field = '55'): string {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) {
    throw codecError('ISO8583_ERR_TLV', 'EMV data must be an object of tags', { field });
  }
  return buildTlv(toItems(tags, () => field), field);
}
