import { maskFieldValue, maskHeader } from '@iso8583/codec';
import { XML_REFERENCE, plainName, referencedChar, specialEnd, tagEnd, tagName, wholeReferences } from './xml-markup.js';

/*
 * The `<header>` of a logged XML document (sequence-logger.ts, xml-mask.ts): the message header's bytes, as base64
 * (`ISOMessage`, the codec's XML view) or as hex (jPOS `<isomsg>`, a composite field's header). A peer puts what it
 * likes there, a card number too: its bytes are masked as the codec's `maskHeader` masks a header, and the characters
 * that write a hidden byte are starred in place. The content is read as XML reads it (any XML writer may have made the
 * document): its character references decoded (`&#10;` is a line break, `&#x4E;` an `N`), its CDATA sections' text
 * read, comments and processing instructions dropped, whitespace between the characters skipped (base64 wrapped in
 * lines, as MIME and XML Schema's base64Binary allow); base64 read with or without its `=` padding, in either alphabet
 * (`+/` or base64url's `-_`).
 */

const STAR = 0x2a;
const HEX = /^(?:[0-9A-Fa-f]{2})+$/;
/** Base64 in the standard or the URL-safe alphabet, padded or not (what a Java or Node decoder takes, MIME aside). */
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;
const CDATA_OPEN = '<![CDATA[';
const EQUALS = 0x3d;

/**
 * The content as XML reads it, its whitespace dropped: the code units read, and for each where the text that writes it
 * sits in the content (`start` to `end`). Typed arrays: a header of megabytes is read without an object per character.
 */
interface Reading {
  plain: string;
  start: Int32Array;
  end: Int32Array;
  /** An `&` that names no character (`&foo;`, `&#;`): the reading is not what an XML reader reads. */
  undecoded: boolean;
}

/** Whether code unit `c` is whitespace (XML's four, and what JavaScript's `\s` adds past ASCII). */
function isSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0b || c === 0x0c;
  return /\s/.test(String.fromCharCode(c));
}

/** Whether code unit `c` is in base64's alphabet, standard or URL-safe. */
function isBase64Char(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f || c === 0x2d || c === 0x5f;
}

/**
 * The characters of a header element's content that are not whitespace, as XML reads them (references decoded, CDATA
 * read, comments, processing instructions and child tags dropped). One pass: each character of the content is read once.
 */
function readContent(content: string): Reading {
  const codes = new Uint16Array(content.length + 1);
  const start = new Int32Array(content.length + 1);
  const end = new Int32Array(content.length + 1);
  let n = 0;
  let undecoded = false;
  const push = (code: number, from: number, to: number): void => {
    if (isSpace(code)) return;
    codes[n] = code;
    start[n] = from;
    end[n++] = to;
  };
  let i = 0;
  while (i < content.length) {
    const c = content.charCodeAt(i);
    if (c === 0x26) {
      XML_REFERENCE.lastIndex = i;
      const m = XML_REFERENCE.exec(content);
      const char = m === null ? undefined : referencedChar(m[1], m[2], m[3]);
      if (m !== null && char !== undefined) {
        // A character outside the BMP (two code units) is read as both: neither hex nor base64 then.
        for (let k = 0; k < char.length; k++) push(char.charCodeAt(k), i, i + m[0].length);
        i += m[0].length;
        continue;
      }
      undecoded = true;
    } else if (c === 0x3c && content.startsWith(CDATA_OPEN, i)) {
      const close = content.indexOf(']]>', i + CDATA_OPEN.length);
      const stop = close === -1 ? content.length : close;
      for (let j = i + CDATA_OPEN.length; j < stop; j++) push(content.charCodeAt(j), j, j + 1);
      i = close === -1 ? content.length : close + 3;
      continue;
    } else if (c === 0x3c) {
      const special = specialEnd(content, i);
      const gt = special === undefined ? tagEnd(content, i) : -1;
      const stop = special ?? (gt === -1 ? -1 : gt + 1);
      i = stop === -1 ? content.length : stop;
      continue;
    }
    push(c, i, i + 1);
    i++;
  }
  return { plain: Buffer.from(codes.buffer, 0, 2 * n).toString('utf16le'), start: start.subarray(0, n), end: end.subarray(0, n), undecoded };
}

/** Which bytes of `hex` the codec's `maskHeader` hides (a digit of a byte starred). */
function hiddenBytes(hex: string): boolean[] {
  const masked = maskHeader(hex);
  const out: boolean[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(masked.charCodeAt(i) === STAR || masked.charCodeAt(i + 1) === STAR);
  return out;
}

/**
 * Base64 decoded as Node decodes it (a last lone character dropped): `plain` whole, or the characters of it at `at`
 * (indexes into the reading); with, for each byte, where its two carrier characters sit in the reading. Byte b of a
 * group of 3 is carried by the group's 4 characters: its 1st by the 1st and 2nd, its 2nd by the 2nd and 3rd, its 3rd
 * by the 3rd and 4th.
 */
function decodeBase64(plain: string, at?: readonly number[]): { hex: string; carriers: number[] } {
  const text = at === undefined ? plain : at.map((k) => plain[k]).join('');
  const hex = Buffer.from(text, 'base64').toString('hex');
  const carriers: number[] = [];
  for (let b = 0; b < hex.length / 2; b++) {
    const first = 4 * Math.floor(b / 3) + (b % 3);
    carriers.push(at === undefined ? first : at[first]!, at === undefined ? first + 1 : at[first + 1]!);
  }
  return { hex, carriers };
}

/** Adds to `out` the carriers of each byte of `hex` that maskHeader hides. */
function starHidden({ hex, carriers }: { hex: string; carriers: readonly number[] }, out: number[]): void {
  hiddenBytes(hex).forEach((hidden, b) => {
    if (hidden) out.push(carriers[2 * b]!, carriers[2 * b + 1]!);
  });
}

/**
 * Adds to `out` the reading positions a lenient base64 decoder reads a hidden byte from: the alphabet's characters
 * kept, anything else dropped (a `.`, a junk character), read as Node reads each `=`-padded block on its own, as a
 * decoder that joins the blocks' bytes reads them, and as one that skips the `=` too (every character joined).
 */
function starLenientBase64(plain: string, out: number[]): void {
  const blocks: number[][] = [[]];
  const all: number[] = [];
  for (let k = 0; k < plain.length; k++) {
    const c = plain.charCodeAt(k);
    if (isBase64Char(c)) {
      blocks[blocks.length - 1]!.push(k);
      all.push(k);
    } else if (c === EQUALS && blocks[blocks.length - 1]!.length > 0) blocks.push([]);
  }
  let joinedHex = '';
  const joinedCarriers: number[] = [];
  for (const block of blocks) {
    const decoded = decodeBase64(plain, block);
    starHidden(decoded, out);
    joinedHex += decoded.hex;
    for (const k of decoded.carriers) joinedCarriers.push(k);
  }
  if (blocks.length > 1) starHidden({ hex: joinedHex, carriers: joinedCarriers }, out);
  starHidden(decodeBase64(plain, all), out);
}

/**
 * A header element's content (from after `<header>` to its `</header>`, raw XML) with the card data in it masked:
 * read as hex when it is hex (each hidden byte's two hex digits starred), as base64 when it is base64 (each base64
 * character that carries a bit of a hidden byte starred: `NDExMTEx...` of an ASCII PAN), as free text in any case
 * (`maskFieldValue`: a header written as text, a comment in it). Base64 that is neither strict form (a junk character,
 * a `.` inside, `=`-padded blocks one after the other) is read leniently, as a decoder that skips what is not in its
 * alphabet reads it. A header with an `&` that names no character has every base64 character starred. A character
 * written as a reference is starred whole (`*****` for `&#78;`); markup is kept. Both readings are applied when the
 * text is both (`30313233`): the safe side. Linear in the length of the content.
 */
export function maskedHeaderText(content: string): string {
  const free = maskFieldValue(content, undefined, undefined);
  if (free.length !== content.length) return free;
  const read = readContent(content);
  const { plain } = read;
  const starred: number[] = [];
  if (read.undecoded) {
    for (let k = 0; k < plain.length; k++) if (isBase64Char(plain.charCodeAt(k)) || plain.charCodeAt(k) === EQUALS) starred.push(k);
  } else if (HEX.test(plain) || (plain.length > 1 && BASE64.test(plain))) {
    if (HEX.test(plain)) {
      hiddenBytes(plain).forEach((hidden, b) => {
        if (hidden) starred.push(2 * b, 2 * b + 1);
      });
    }
    if (plain.length > 1 && BASE64.test(plain)) starHidden(decodeBase64(plain), starred);
  } else starLenientBase64(plain, starred);
  if (starred.length === 0) return wholeReferences(content, free);
  const chars = Buffer.from(free, 'utf16le');
  for (const k of starred) {
    for (let i = read.start[k]!; i < read.end[k]!; i++) chars.writeUInt16LE(STAR, 2 * i);
  }
  return wholeReferences(content, chars.toString('utf16le'));
}

/** The elements whose tags end a header's content even unclosed: what maskXml reads a card number in by its own rule. */
const MASKED_ELEMENTS: ReadonlySet<string> = new Set(['field', 'isomsg', 'header']);

/**
 * Where a `<header>` element's content that starts at `from` ends: at the first end tag after it (its `</header>`, or
 * whatever end tag a malformed document has there) or the first `<field>`, `<isomsg>` or `<header>` start tag (a
 * header left unclosed ends there, so that a field after it is masked by its field's rule); comments, processing
 * instructions, CDATA sections and any other child element's tags (`<x/>`) stepped over whole, read as part of it;
 * the end of the text when there is none. Linear in the content's length.
 */
export function headerContentEnd(xml: string, from: number): number {
  let at = from;
  for (;;) {
    const lt = xml.indexOf('<', at);
    if (lt === -1) return xml.length;
    let end = specialEnd(xml, lt);
    if (end === undefined) {
      if (xml[lt + 1] === '/') return lt;
      const gt = tagEnd(xml, lt);
      if (gt === -1 || MASKED_ELEMENTS.has(plainName(tagName(xml.slice(lt, gt + 1))))) return lt;
      end = gt + 1;
    }
    if (end === -1) return xml.length;
    at = end;
  }
}
