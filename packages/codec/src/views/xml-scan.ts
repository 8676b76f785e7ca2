/**
 * The fast path of `fromXml`: a scanner for the canonical `ISOMessage` shape that `toXml` writes and that WSO2
 * sequences send:
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
 * A list of field ids seen before is read by its own regular expression, which checks the document and captures the
 * values in one call (`xml-scan-patterns.ts`). Any other document in two steps: one regular expression checks the
 * whole document's shape and every character of it in native code (no captures, nothing allocated), then a walk that
 * knows the shape holds takes the ids and values out with a few `indexOf` calls per field. Only a repeated id and an
 * unknown entity are found in the walk. The grammar of both expressions is `xml-scan-grammar.ts`.
 */
import type { MessageInput } from '../types.js';
import type { XmlMessage } from './xml.js';
import { decodeXmlText } from './xml-text.js';
import { IdShapes, hashId } from './xml-message-shapes.js';
import { CANONICAL, PROLOG } from './xml-scan-grammar.js';
import { IdPatterns } from './xml-scan-patterns.js';

const SPACE = 0x20;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;
const ZERO = 0x30;
const EQUALS = 0x3d;
const GREATER_THAN = 0x3e;
const LESS_THAN = 0x3c;
const LOW_F = 0x66;
const LOW_H = 0x68;

/** The most fields a document can hold: one per field number 0-999 (a repeated id is handed over). */
const MAX_FIELDS = 1000;

/**
 * What a walk collects before it makes the message object: the ids and values in document order. One per module,
 * reused by every scan (a scan runs to its end without yielding, so no two scans share it) and cleared after each.
 */
class Collected {
  readonly ids = new Int32Array(MAX_FIELDS);
  readonly values: string[] = [];
  count = 0;
  /** The hash of the ids so far ({@link hashId}). */
  hash = 0;
  /** Adds a field; false when the document holds more fields than field numbers exist. */
  add(id: number, value: string): boolean {
    const count = this.count;
    if (count === MAX_FIELDS) return false;
    this.ids[count] = id;
    this.values[count] = value;
    this.hash = hashId(this.hash, id);
    this.count = count + 1;
    return true;
  }

  /** The message object (a clone of the shape's object, values filled in); `undefined` when an id is repeated. */
  message(shapes: IdShapes): MessageInput | undefined {
    const { ids, values, count } = this;
    const message = shapes.create(ids, count, this.hash);
    if (message !== undefined) for (let i = 0; i < count; i++) message[ids[i]!] = values[i]!;
    return message;
  }

  /** Forgets the ids and values of the last scan (no value of a message stays referenced here). */
  clear(): void {
    const values = this.values;
    for (let i = this.count - 1; i >= 0; i--) values[i] = '';
    this.count = 0;
    this.hash = 0;
  }
}

const COLLECTED = new Collected();
const SHAPES = new IdShapes();
const PATTERNS = new IdPatterns();

/**
 * Reads a canonical `ISOMessage` document; `undefined` when the document is anything else or holds anything the full
 * parser would refuse or read differently (the caller then uses the full parser).
 */
export function scanIsoMessage(xml: string): XmlMessage | undefined {
  let at = 0;
  if (xml.startsWith('<?')) {
    PROLOG.lastIndex = 0;
    if (!PROLOG.test(xml)) return undefined;
    at = PROLOG.lastIndex;
  }
  const known = PATTERNS.read(xml, at);
  if (known !== undefined) return known;
  CANONICAL.lastIndex = at;
  if (!CANONICAL.test(xml)) return undefined;
  try {
    const read = walk(xml, at, COLLECTED);
    if (read !== undefined) PATTERNS.seen(COLLECTED.ids, COLLECTED.count);
    return read;
  } finally {
    COLLECTED.clear();
  }
}

/**
 * Takes the header, ids and values out of a document that matched {@link CANONICAL} from `at`: every element is
 * where the shape says and only white space lies between elements, so each step finds what it looks for and the next
 * element is the next `<`. `undefined` for a repeated id or an unknown entity.
 */
function walk(xml: string, at: number, collected: Collected): XmlMessage | undefined {
  // `<ISOMessage>`, then `<header>` or `<data>`.
  at = xml.indexOf('<', xml.indexOf('<', at) + 1);
  let header: Buffer | undefined;
  if (xml.charCodeAt(at + 1) === LOW_H) {
    const start = at + '<header>'.length;
    const end = xml.indexOf('<', start);
    header = Buffer.from(xml.slice(start, end).trim(), 'base64');
    at = xml.indexOf('<', end + 1);
  }
  // After `<data>`: `<field` elements (`<f`), then `</data`.
  at = xml.indexOf('<', at + 1);
  const entities = xml.includes('&');
  while (xml.charCodeAt(at + 1) === LOW_F) {
    // `<field`, white space, `id`, `=` (white space around it), a quote, the digits, the same quote. Usually
    // `<field id="`: then the quote is at a known place.
    let i = at + '<field id='.length;
    if (xml.charCodeAt(i - 1) !== EQUALS || xml.charCodeAt(at + '<field'.length) !== SPACE) i = xml.indexOf('=', at) + 1;
    let quote = xml.charCodeAt(i);
    while (quote !== QUOTE && quote !== APOSTROPHE) quote = xml.charCodeAt(++i);
    let id = 0;
    for (let c = xml.charCodeAt(++i); c !== quote; c = xml.charCodeAt(++i)) id = id * 10 + c - ZERO;
    // Optional white space, `>`, the text up to `<` (of `</field`).
    const start = xml.charCodeAt(i + 1) === GREATER_THAN ? i + 2 : xml.indexOf('>', i) + 1;
    const end = xml.indexOf('<', start);
    let value = xml.slice(start, end);
    if (entities && value.includes('&')) {
      const decoded = decodeXmlText(value);
      if (decoded === undefined) return undefined;
      value = decoded;
    }
    if (!collected.add(id, value)) return undefined;
    // `</field>` (the shape allows white space before its `>`), white space, then the next element.
    at = end + '</field'.length;
    let c = xml.charCodeAt(at);
    if (c !== GREATER_THAN) {
      at = xml.indexOf('<', at);
      continue;
    }
    c = xml.charCodeAt(++at);
    while (c !== LESS_THAN) c = xml.charCodeAt(++at);
  }
  const message = collected.message(SHAPES);
  if (message === undefined) return undefined;
  return header === undefined ? { message } : { message, header };
}
