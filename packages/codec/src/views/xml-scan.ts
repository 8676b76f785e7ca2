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
 *
 * It reads character codes, not regular expressions, for the elements that repeat (`<field>`), and builds nothing
 * but the message object and the value strings (slices of the document).
 */
import type { MessageInput } from '../types.js';
import type { XmlMessage } from './xml.js';
import { decodeXmlText } from './xml-text.js';

/** The XML declaration the scanner knows (version, then optional encoding and standalone, in that order). */
const PROLOG =
  /<\?xml[ \t\n]+version[ \t\n]*=[ \t\n]*(["'])1\.[0-9]\1(?:[ \t\n]+encoding[ \t\n]*=[ \t\n]*(["'])[A-Za-z][A-Za-z0-9._-]{0,39}\2)?(?:[ \t\n]+standalone[ \t\n]*=[ \t\n]*(["'])(?:yes|no)\3)?[ \t\n]*\?>/y;
/** `<header>` with base64 text (white space around it), the base64 in group 1. */
const HEADER = /<header>[ \t\n]*((?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?)[ \t\n]*<\/header>[ \t\n]*/y;
/**
 * A character the scanner never reads itself, anywhere in the document: control characters other than tab and line
 * feed, the carriage return (the full parser normalizes line ends), and everything from U+D800 up (surrogates,
 * U+FFFE, U+FFFF). The canonical shape has none of them outside the values either, so one test of the whole document
 * (native code) stands for a check of every character of every value.
 */
// eslint-disable-next-line no-control-regex
const NOT_SCANNED = /[\u0000-\u0008\u000B-\u001F\uD800-\uFFFF]/;
const ROOT_OPEN = '<ISOMessage>';
const DATA_OPEN = '<data>';
const DATA_CLOSE = '</data';
const ROOT_CLOSE = '</ISOMessage';
const FIELD_OPEN = '<field';
/** The usual start of a field element: `<field id="`, read with one comparison. */
const FIELD_OPEN_ID = '<field id="';
const FIELD_CLOSE = '</field';
/** The usual end of a field element. */
const FIELD_CLOSE_TAG = '</field>';

const TAB = 0x09;
const LF = 0x0a;
const SPACE = 0x20;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const ZERO = 0x30;
const NINE = 0x39;
const EQUALS = 0x3d;
const GREATER_THAN = 0x3e;
const LOW_I = 0x69;
const LOW_D = 0x64;

/** White space between elements: space, tab, line feed (a carriage return goes to the full parser, which normalizes it). */
function isSpace(c: number): boolean {
  return c === SPACE || c === LF || c === TAB;
}

/** The position after the white space at `at`. */
function skipSpace(xml: string, at: number): number {
  while (isSpace(xml.charCodeAt(at))) at++;
  return at;
}

/** What {@link readField} answers when the scanner must hand the document over. */
const HAND_OVER = -1;

/**
 * Reads `<field id="N">text</field>` and the white space after it at `at` (which holds `<field`) into `message`;
 * answers the position after it, or {@link HAND_OVER} when it is anything else, a field already read, or a value the
 * full parser would read differently or refuse. `entities`: whether the document holds a `&` at all.
 */
function readField(xml: string, at: number, message: Record<number, string>, entities: boolean): number {
  let quote = QUOTE;
  if (xml.startsWith(FIELD_OPEN_ID, at)) {
    at += FIELD_OPEN_ID.length;
  } else {
    // `<field`, at least one white space character, `id`, `=` with optional white space around it, a quote.
    at += FIELD_OPEN.length;
    if (!isSpace(xml.charCodeAt(at))) return HAND_OVER;
    at = skipSpace(xml, at + 1);
    if (xml.charCodeAt(at) !== LOW_I || xml.charCodeAt(at + 1) !== LOW_D) return HAND_OVER;
    at = skipSpace(xml, at + 2);
    if (xml.charCodeAt(at) !== EQUALS) return HAND_OVER;
    at = skipSpace(xml, at + 1);
    quote = xml.charCodeAt(at++);
    if (quote !== QUOTE && quote !== APOSTROPHE) return HAND_OVER;
  }
  // The id: a field number without sign or leading zero (as FIELD_ID), up to 3 digits, then the same quote.
  const idStart = at;
  let id = 0;
  for (let c = xml.charCodeAt(at); c >= ZERO && c <= NINE; c = xml.charCodeAt(++at)) id = id * 10 + c - ZERO;
  const digits = at - idStart;
  if (digits === 0 || digits > 3 || (digits > 1 && xml.charCodeAt(idStart) === ZERO)) return HAND_OVER;
  if (xml.charCodeAt(at) !== quote) return HAND_OVER;
  at++;
  if (xml.charCodeAt(at) !== GREATER_THAN) {
    at = skipSpace(xml, at);
    if (xml.charCodeAt(at) !== GREATER_THAN) return HAND_OVER;
  }
  // The text: up to the next `<`, without `>` (the characters NOT_SCANNED are not in the document).
  const start = at + 1;
  const end = xml.indexOf('<', start);
  if (end < 0) return HAND_OVER;
  const gt = xml.indexOf('>', start);
  if (gt < end) return HAND_OVER;
  if (message[id] !== undefined) return HAND_OVER;
  let value = xml.slice(start, end);
  if (entities && value.includes('&')) {
    const decoded = decodeXmlText(value);
    if (decoded === undefined) return HAND_OVER;
    value = decoded;
  }
  // `</field`, optional white space, `>`, then white space.
  if (xml.startsWith(FIELD_CLOSE_TAG, end)) {
    at = end + FIELD_CLOSE_TAG.length;
  } else {
    if (!xml.startsWith(FIELD_CLOSE, end)) return HAND_OVER;
    at = skipSpace(xml, end + FIELD_CLOSE.length);
    if (xml.charCodeAt(at) !== GREATER_THAN) return HAND_OVER;
    at++;
  }
  message[id] = value;
  return skipSpace(xml, at);
}

/**
 * Reads a canonical `ISOMessage` document in one pass; `undefined` when the document is anything else or holds
 * anything the full parser would refuse or read differently (the caller then uses the full parser).
 */
export function scanIsoMessage(xml: string): XmlMessage | undefined {
  if (NOT_SCANNED.test(xml)) return undefined;
  let at = 0;
  if (xml.startsWith('<?')) {
    PROLOG.lastIndex = 0;
    if (!PROLOG.test(xml)) return undefined;
    at = PROLOG.lastIndex;
  }
  at = skipSpace(xml, at);
  if (!xml.startsWith(ROOT_OPEN, at)) return undefined;
  at = skipSpace(xml, at + ROOT_OPEN.length);
  let header: Buffer | undefined;
  if (xml.startsWith('<header>', at)) {
    HEADER.lastIndex = at;
    const match = HEADER.exec(xml);
    if (match === null) return undefined;
    header = Buffer.from(match[1]!, 'base64');
    at = HEADER.lastIndex;
  }
  if (!xml.startsWith(DATA_OPEN, at)) return undefined;
  at = skipSpace(xml, at + DATA_OPEN.length);
  const message: MessageInput = {};
  const entities = xml.includes('&');
  while (xml.startsWith(FIELD_OPEN, at)) {
    at = readField(xml, at, message as Record<number, string>, entities);
    if (at === HAND_OVER) return undefined;
  }
  // `</data`, optional white space, `>`, white space, `</ISOMessage`, optional white space, `>`, white space, the end.
  if (!xml.startsWith(DATA_CLOSE, at)) return undefined;
  at = skipSpace(xml, at + DATA_CLOSE.length);
  if (xml.charCodeAt(at) !== GREATER_THAN) return undefined;
  at = skipSpace(xml, at + 1);
  if (!xml.startsWith(ROOT_CLOSE, at)) return undefined;
  at = skipSpace(xml, at + ROOT_CLOSE.length);
  if (xml.charCodeAt(at) !== GREATER_THAN) return undefined;
  if (skipSpace(xml, at + 1) !== xml.length) return undefined;
  return header === undefined ? { message } : { message, header };
}
