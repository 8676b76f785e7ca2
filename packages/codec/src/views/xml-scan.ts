/**
 * The fast path of `fromXml`: a one-pass scanner for the canonical `ISOMessage` shape that `toXml` writes and that
 * WSO2 sequences send:
 *
 *   optional `<?xml version="1.x" ...?>` prolog at the very start, `<ISOMessage>`, optional `<header>` (base64),
 *   `<data>`, then `<field id="N">text</field>` elements, white space between elements.
 *
 * Values may hold the five predefined entities and numeric character references. The scanner accepts only what it is
 * sure of, and only documents that are valid as a whole: anything else (a SOAP envelope, a jPOS `<isomsg>` document,
 * CDATA, comments, a DOCTYPE, attributes other than `id`, nested elements, field 55 as `<tag>` elements, a duplicate
 * or invalid id, a bad header, an unknown entity, a carriage return or a control character in a value, characters
 * outside U+0000-U+D7FF) makes it answer `undefined`, and `fromXml` hands the document to the full parser, which
 * reads it or refuses it with its documented error. So the scanner never accepts what the full parser refuses, never
 * refuses anything itself, and gives the same message as the full parser for what it accepts (a property test checks
 * both on random and mutated documents).
 */
import type { MessageInput } from '../types.js';
import type { XmlMessage } from './xml.js';
import { decodeXmlText } from './xml-text.js';

/** The XML declaration the scanner knows (version, then optional encoding and standalone, in that order). */
const PROLOG =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]{0,39}\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>/y;
/** White space between elements (no carriage return: the full parser normalizes line ends). */
const SPACE = /[ \t\n]*/y;
/** `<header>` with base64 text (white space around it), the base64 in group 1. */
const HEADER = /<header>[ \t\n]*((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)[ \t\n]*<\/header>[ \t\n]*/y;
/**
 * One field: the id in group 1 (a field number without sign or leading zero, as `FIELD_ID`), the raw text in group
 * 2: no `<`, no `>`, no carriage return, no control character other than tab and line feed, nothing from U+D800 up.
 */
const FIELD =
  // eslint-disable-next-line no-control-regex
  /<field[ \t\n]+id[ \t\n]*=[ \t\n]*(?:"(0|[1-9][0-9]{0,2})"|'(0|[1-9][0-9]{0,2})')[ \t\n]*>([^<>\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uFFFF]*)<\/field[ \t\n]*>[ \t\n]*/y;
const DATA_OPEN = '<data>';
const DATA_CLOSE = /<\/data[ \t\n]*>[ \t\n]*<\/ISOMessage[ \t\n]*>[ \t\n]*$/y;
const ROOT_OPEN = '<ISOMessage>';

/**
 * Reads a canonical `ISOMessage` document in one pass; `undefined` when the document is anything else or holds
 * anything the full parser would refuse or read differently (the caller then uses the full parser).
 */
export function scanIsoMessage(xml: string): XmlMessage | undefined {
  let at = 0;
  if (xml.startsWith('<?')) {
    PROLOG.lastIndex = 0;
    if (!PROLOG.test(xml)) return undefined;
    at = PROLOG.lastIndex;
  }
  SPACE.lastIndex = at;
  SPACE.test(xml);
  at = SPACE.lastIndex;
  if (!xml.startsWith(ROOT_OPEN, at)) return undefined;
  at += ROOT_OPEN.length;
  SPACE.lastIndex = at;
  SPACE.test(xml);
  at = SPACE.lastIndex;
  let header: Buffer | undefined;
  if (xml.startsWith('<header>', at)) {
    HEADER.lastIndex = at;
    const match = HEADER.exec(xml);
    if (match === null) return undefined;
    header = Buffer.from(match[1]!, 'base64');
    at = HEADER.lastIndex;
  }
  if (!xml.startsWith(DATA_OPEN, at)) return undefined;
  at += DATA_OPEN.length;
  SPACE.lastIndex = at;
  SPACE.test(xml);
  at = SPACE.lastIndex;
  const message: MessageInput = {};
  FIELD.lastIndex = at;
  for (;;) {
    const match = FIELD.exec(xml);
    if (match === null) break;
    const id = match[1] ?? match[2]!;
    if (Object.hasOwn(message, id)) return undefined;
    let value = match[3]!;
    if (value.includes('&')) {
      const decoded = decodeXmlText(value);
      if (decoded === undefined) return undefined;
      value = decoded;
    }
    message[id] = value;
    at = FIELD.lastIndex;
  }
  DATA_CLOSE.lastIndex = at;
  if (!DATA_CLOSE.test(xml)) return undefined;
  return header === undefined ? { message } : { message, header };
}
