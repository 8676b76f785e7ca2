import { maskFreeText, maskHeader } from '@iso8583/codec';
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

/** Calls `each` with every byte of `hex` that the codec's `maskHeader` hides (a digit of it starred). */
function eachHiddenByte(hex: string, each: (b: number) => void): void {
  const masked = maskHeader(hex);
  if (!masked.includes('*')) return;
  for (let i = 0; i < hex.length; i += 2) {
    if (masked.charCodeAt(i) === STAR || masked.charCodeAt(i + 1) === STAR) each(i / 2);
  }
}

/** The first of the two base64 characters that carry byte `b`: byte b of a group of 3 is carried by the group's 4 characters, its 1st by the 1st and 2nd, its 2nd by the 2nd and 3rd, its 3rd by the 3rd and 4th. */
function carrierOf(b: number): number {
  return 4 * Math.floor(b / 3) + (b % 3);
}

/** Whether `plain` is base64 in a strict form: the alphabet, standard or URL-safe, padded or not (the same as a regex, without its cost on megabytes). */
function isStrictBase64(plain: string): boolean {
  let n = plain.length;
  let pad = 0;
  while (pad < 2 && n > 0 && plain.charCodeAt(n - 1) === EQUALS) {
    n--;
    pad++;
  }
  if (n % 4 === 1 || (pad > 0 && (n + pad) % 4 !== 0)) return false;
  for (let k = 0; k < n; k++) if (!isBase64Char(plain.charCodeAt(k))) return false;
  return true;
}

/** The base64 alphabet's characters of `plain` from `from` to `to`: their text, and where each sits in the reading. */
function alphabetOf(plain: string, from: number, to: number): { text: string; at: Int32Array } {
  const codes = new Uint16Array(to - from);
  const at = new Int32Array(to - from);
  let n = 0;
  for (let k = from; k < to; k++) {
    const c = plain.charCodeAt(k);
    if (!isBase64Char(c)) continue;
    codes[n] = c;
    at[n++] = k;
  }
  return { text: Buffer.from(codes.buffer, 0, 2 * n).toString('utf16le'), at: at.subarray(0, n) };
}

/**
 * Calls `star` with each reading position a lenient base64 decoder reads a hidden byte from: the alphabet's characters
 * kept, anything else dropped (a `.`, a junk character; a last lone character dropped as Node drops it), read as Node
 * reads each `=`-padded block on its own, and as a decoder that joins the blocks' bytes reads them.
 */
function starLenientBase64(plain: string, star: (k: number) => void): void {
  const blocks: { hex: string; at: Int32Array }[] = [];
  for (let from = 0; from < plain.length; ) {
    let to = plain.indexOf('=', from);
    if (to === -1) to = plain.length;
    const { text, at } = alphabetOf(plain, from, to);
    while (to < plain.length && plain.charCodeAt(to) === EQUALS) to++;
    from = to;
    if (text.length < 2) continue;
    const hex = Buffer.from(text, 'base64').toString('hex');
    eachHiddenByte(hex, (b) => (star(at[carrierOf(b)]!), star(at[carrierOf(b) + 1]!)));
    blocks.push({ hex, at });
  }
  if (blocks.length < 2) return;
  // The blocks' bytes joined: which block and byte each joined byte is, found by the blocks' byte offsets.
  const offsets: number[] = [];
  let total = 0;
  for (const block of blocks) {
    offsets.push(total);
    total += block.hex.length / 2;
  }
  let k = 0;
  eachHiddenByte(blocks.map((b) => b.hex).join(''), (b) => {
    while (k + 1 < blocks.length && offsets[k + 1]! <= b) k++;
    const { at } = blocks[k]!;
    star(at[carrierOf(b - offsets[k]!)]!);
    star(at[carrierOf(b - offsets[k]!) + 1]!);
  });
}

/** Whether code unit `c` is a hex digit. */
function isHexChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
}

/** One delimiter between the byte groups of a hex dump (whitespace is read as nothing already): `:`, `-`, `,`, `.`, `/`. */
function isHexDelimiter(c: number): boolean {
  return c === 0x3a || c === 0x2d || c === 0x2c || c === 0x2e || c === 0x2f;
}

/** Whether `0x` or `\x` (either case of the `x`), a byte's prefix as code writes it, is at `k`, a hex digit after it. */
function isHexPrefix(plain: string, k: number): boolean {
  const c = plain.charCodeAt(k);
  return (c === 0x30 || c === 0x5c) && (plain.charCodeAt(k + 1) | 0x20) === 0x78 && isHexChar(plain.charCodeAt(k + 2));
}

/**
 * The reading positions of the hex digits of `plain` when it is a hex dump written leniently: groups of whole bytes
 * (`41`, `4111`) apart by one delimiter ({@link isHexDelimiter}) or by whitespace alone, each with a prefix `0x` or
 * `\x` or none (`41:11:11`, `41, 11`, `0x41 0x11`, `\x41\x11`); `undefined` when it is not such a dump. Linear.
 */
function lenientHexDigits(plain: string): Int32Array | undefined {
  // Looked at twice: a first pass that writes nothing (base64 fails it at its first letter past `f`, megabytes or
  // not), then one that notes where each hex digit is.
  let n = 0;
  let at: Int32Array | undefined;
  for (const pass of [0, 1]) {
    if (pass === 1) at = new Int32Array(n);
    n = 0;
    for (let k = 0; k < plain.length; ) {
      if (k > 0 && isHexDelimiter(plain.charCodeAt(k))) k++;
      if (isHexPrefix(plain, k)) k += 2;
      const group = k;
      // A group ends at a byte's end where the next prefix starts (whitespace is read as nothing: `0x41 0x11` is `0x410x11`).
      while (k < plain.length && isHexChar(plain.charCodeAt(k)) && (k === group || (k - group) % 2 !== 0 || !isHexPrefix(plain, k))) {
        if (at !== undefined) at[n] = k;
        n++;
        k++;
      }
      if (k === group || (k - group) % 2 !== 0) return undefined;
    }
    if (n === 0) return undefined;
  }
  return at;
}

/**
 * A header element's content (from after `<header>` to its `</header>`, raw XML) with the card data in it masked:
 * read as hex when it is hex (each hidden byte's two hex digits starred), as base64 when it is base64 (each base64
 * character that carries a bit of a hidden byte starred: `NDExMTEx...` of an ASCII PAN), as free text in any case
 * (`maskFreeText`: a header written as text, a comment in it). Base64 that is neither strict form (a junk character,
 * a `.` inside, `=`-padded blocks one after the other) is read leniently, as a decoder that skips what is not in its
 * alphabet reads it. Hex written with its byte groups apart (`41:11:11...`, `41-11`, `41, 11`, `0x41 0x11`, line
 * breaks) is read as the bytes it writes. A header with an `&` that names no character (`&bogus;`, which no XML reader
 * reads) has every base64 character starred, the name of that reference too (`&*****;`: a lenient decoder reads its
 * letters, and `&NDExMTEx;` spells digits in base64), its `&` and `;` kept. A character
 * written as a reference is starred whole (`*****` for `&#78;`); markup is kept. Both readings are applied when the
 * text is both (`30313233`): the safe side. Linear in the length of the content.
 */
export function maskedHeaderText(content: string): string {
  const free = maskFreeText(content);
  if (free.length !== content.length) return free;
  const read = readContent(content);
  const { plain } = read;
  // Which reading positions to star: one flag each (a header of megabytes of random bytes hides hundreds of thousands).
  const starred = new Uint8Array(plain.length);
  let any = false;
  const star = (k: number): void => {
    starred[k] = 1;
    any = true;
  };
  const hex = !read.undecoded && HEX.test(plain);
  const base64 = !read.undecoded && plain.length > 1 && isStrictBase64(plain);
  if (read.undecoded) {
    for (let k = 0; k < plain.length; k++) if (isBase64Char(plain.charCodeAt(k)) || plain.charCodeAt(k) === EQUALS) star(k);
  } else if (hex || base64) {
    if (hex) eachHiddenByte(plain, (b) => (star(2 * b), star(2 * b + 1)));
    if (base64) eachHiddenByte(Buffer.from(plain, 'base64').toString('hex'), (b) => (star(carrierOf(b)), star(carrierOf(b) + 1)));
  } else starLenientBase64(plain, star);
  // Hex written leniently (`41:11:11...`, `0x41 0x11 ...`): its bytes read as the codec reads a header's (BCD too).
  const digits = read.undecoded || hex ? undefined : lenientHexDigits(plain);
  if (digits !== undefined) {
    const text = Array.from(digits, (k) => plain[k]).join('');
    eachHiddenByte(text, (b) => (star(digits[2 * b]!), star(digits[2 * b + 1]!)));
  }
  if (!any) return wholeReferences(content, free);
  const chars = Buffer.from(free, 'utf16le');
  for (let k = 0; k < starred.length; k++) {
    if (starred[k] === 0) continue;
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
