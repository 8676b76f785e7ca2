import type { TlvItem } from '@iso8583/codec';
import { MAX_TLV_DEPTH, buildTlv, describableTlv, luhnValid } from '@iso8583/codec';
import { attributeIs, plainName, tagEnd, tagName, xmlAttributes, xmlText } from './xml-markup.js';

/*
 * Field 55 written as EMV `<tag id="...">` elements (toXml with `emv`), as the sequence logs' XML mask (xml-mask.ts)
 * reads it: its tags may be kept in a log only when they read without doubt as EMV data (the codec's `describableTlv`),
 * for a "tag" may be PAN digits read as a tag after a wrong length (`5A04` + a 16-digit PAN: `<tag id="05">`).
 */

/** Stars in a value. */
const STARS = /\*/g;

/** A PAN as the sequence logger's first layer masks the message's own (`510510******5100`), `F` padding aside. */
const MASKED_PAN = /^[0-9]*\*[0-9*]*F*$/;

/**
 * A value as `describableTlv` weighs it when the sequence logger's first layer starred its digits (the message's own
 * card data, star for digit): its length kept, the stars read as zeros; a 5A masked as a PAN (`510510******5100`) read
 * as a PAN that passes the Luhn check, the check its stars hide (a 5A shorter than 12 digits or not a PAN's shape is
 * still refused).
 */
function starsRead(tag: string, value: string): string {
  if (!value.includes('*')) return value;
  const zeros = value.replace(STARS, '0');
  if (tag.toUpperCase() !== '5A' || !MASKED_PAN.test(value)) return zeros;
  const at = value.indexOf('*');
  for (let d = 0; d <= 9; d++) {
    const filled = zeros.slice(0, at) + String(d) + zeros.slice(at + 1);
    if (luhnValid(filled.replace(/F+$/, ''))) return filled;
  }
  return zeros;
}

/** One open `<tag>` element while the content is read: its id, the data objects in it, its text. */
interface OpenTag {
  tag: string;
  items: TlvItem[];
  text: string;
}

/**
 * The EMV data (uppercase hex) that field 55's XML content of `<tag>` elements stands for (starred digits of a value
 * read by `starsRead`), or `undefined` when the
 * content is not that alone: any other element or markup (a comment, CDATA), text between elements, an attribute but
 * `id`, nesting deeper than the codec reads, or data objects `buildTlv` refuses. One pass over the content.
 */
function emvHex(content: string): string | undefined {
  const top: TlvItem[] = [];
  const open: OpenTag[] = [];
  let at = 0;
  while (at < content.length) {
    const lt = content.indexOf('<', at);
    const text = content.slice(at, lt === -1 ? content.length : lt);
    const inner = open[open.length - 1];
    if (inner !== undefined) inner.text += text;
    else if (text.trim() !== '') return undefined;
    if (lt === -1) break;
    const gt = tagEnd(content, lt);
    if (gt === -1 || content[lt + 1] === '!' || content[lt + 1] === '?') return undefined;
    const markup = content.slice(lt, gt + 1);
    at = gt + 1;
    if (markup[1] === '/') {
      const closed = open.pop();
      if (closed === undefined || plainName(markup.slice(2, -1).trim()) !== 'tag') return undefined;
      const parent = open[open.length - 1]?.items ?? top;
      if (closed.items.length > 0) {
        if (closed.text.trim() !== '') return undefined;
        parent.push({ tag: closed.tag, value: '', children: closed.items });
      } else parent.push({ tag: closed.tag, value: starsRead(closed.tag, xmlText(closed.text).trim()) });
      continue;
    }
    const name = tagName(markup);
    const attributes = xmlAttributes(markup, 1 + name.length);
    if (plainName(name) !== 'tag' || attributes.length !== 1 || !attributeIs(attributes[0]!.name, 'id')) return undefined;
    const tag = xmlText(markup.slice(attributes[0]!.start, attributes[0]!.end));
    if (markup.endsWith('/>')) (open[open.length - 1]?.items ?? top).push({ tag, value: '' });
    else if (open.length > MAX_TLV_DEPTH) return undefined;
    else {
      const parent = open[open.length - 1];
      if (parent !== undefined && parent.text.trim() !== '') return undefined;
      open.push({ tag, items: [], text: '' });
    }
  }
  if (open.length > 0) return undefined;
  try {
    return buildTlv(top);
  } catch {
    return undefined;
  }
}

/**
 * How field 55's XML content of `<tag>` elements may be shown in a log: `true` when it reads as EMV data whose tags
 * read without doubt (`describableTlv`: the elements kept with their ids, values starred), else its size as the codec's
 * `maskEmv` writes it (`EMV[38 bytes]`), or `undefined` when it is not `<tag>` elements alone (then starred whole,
 * ids too).
 */
export function emvContentShown(content: string): true | string | undefined {
  const hex = emvHex(content);
  if (hex === undefined) return undefined;
  return describableTlv(hex) === undefined ? `EMV[${hex.length / 2} bytes]` : true;
}
