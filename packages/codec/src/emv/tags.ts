import { codecError } from '../errors.js';
import type { TlvItem } from './tlv.js';
import { buildTlv, parseTlv } from './tlv.js';

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
 * Field 55 as an object of tags, or `undefined` when it cannot be shown that way (not valid BER-TLV, or a tag that
 * occurs twice at one level): callers then keep the hex.
 */
export function emvToTags(data: string | Uint8Array): EmvTags | undefined {
  let items: TlvItem[];
  try {
    items = parseTlv(data);
  } catch {
    return undefined;
  }
  return toObject(items);
}

function toItems(tags: EmvTags, path: string): TlvItem[] {
  const items: TlvItem[] = [];
  for (const [tag, value] of Object.entries(tags)) {
    if (typeof value === 'string') items.push({ tag, value });
    else if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      items.push({ tag, value: '', children: toItems(value, `${path}.${tag}`) });
    } else {
      throw codecError('ISO8583_ERR_TLV', `tag ${tag}: a value must be hex text or an object of tags`, {
        field: `${path}.${tag}`,
      });
    }
  }
  return items;
}

/**
 * Builds field 55 (uppercase hex BER-TLV) from an object of tags, in the object's key order. Note that JavaScript
 * (and so `JSON.parse`) puts integer-like keys such as `82`, `84`, `95` first: the order of the data objects is not
 * kept through an object, which EMV allows (hosts find tags by name). Use {@link buildTlv} to control it. Throws
 * `ISO8583_ERR_TLV` naming the tag for a bad tag or value (never the value).
 */
export function emvFromTags(tags: EmvTags, field = '55'): string {
  if (tags === null || typeof tags !== 'object' || Array.isArray(tags)) {
    throw codecError('ISO8583_ERR_TLV', 'EMV data must be an object of tags', { field });
  }
  return buildTlv(toItems(tags, field));
}
