import { maskFieldValue, maskHeader } from '@iso8583/codec';
import { specialEnd } from './xml-markup.js';

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

const STAR = '*';
const HEX = /^(?:[0-9A-Fa-f]{2})+$/;
/** Base64 in the standard or the URL-safe alphabet, padded or not (what a Java or Node decoder takes, MIME aside). */
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;
/** A predefined entity or a character reference, at a given place. */
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]{1,7})|#[xX]([0-9A-Fa-f]{1,6}));/y;
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const CDATA_OPEN = '<![CDATA[';

/** One character of the content as XML reads it, and where the text that writes it sits in the content. */
interface ReadChar {
  char: string;
  start: number;
  end: number;
}

/** The character a reference names (`undefined` for one out of Unicode's range, which is then read as written). */
function referenced(name: string | undefined, decimal: string | undefined, hex: string | undefined): string | undefined {
  if (name !== undefined) return ENTITIES[name];
  const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex!, 16);
  return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/**
 * The characters of a header element's content that are not whitespace, as XML reads them (references decoded, CDATA
 * read, comments and processing instructions dropped). One pass: each character of the content is read once.
 */
function readContent(content: string): ReadChar[] {
  const out: ReadChar[] = [];
  const push = (char: string, start: number, end: number): void => {
    if (!/\s/.test(char)) out.push({ char, start, end });
  };
  let i = 0;
  while (i < content.length) {
    const c = content[i]!;
    if (c === '&') {
      REFERENCE.lastIndex = i;
      const m = REFERENCE.exec(content);
      const char = m === null ? undefined : referenced(m[1], m[2], m[3]);
      if (m !== null && char !== undefined) {
        push(char, i, i + m[0].length);
        i += m[0].length;
        continue;
      }
    } else if (c === '<' && content.startsWith(CDATA_OPEN, i)) {
      const close = content.indexOf(']]>', i + CDATA_OPEN.length);
      const stop = close === -1 ? content.length : close;
      for (let j = i + CDATA_OPEN.length; j < stop; j++) push(content[j]!, j, j + 1);
      i = close === -1 ? content.length : close + 3;
      continue;
    } else if (c === '<') {
      const end = specialEnd(content, i);
      if (end !== undefined) {
        i = end === -1 ? content.length : end;
        continue;
      }
    }
    push(c, i, i + 1);
    i++;
  }
  return out;
}

/** Which bytes of `hex` the codec's `maskHeader` hides (a digit of a byte starred). */
function hiddenBytes(hex: string): boolean[] {
  const masked = maskHeader(hex);
  const out: boolean[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(masked[i] === STAR || masked[i + 1] === STAR);
  return out;
}

/**
 * A header element's content (from after `<header>` to its `</header>`, raw XML) with the card data in it masked:
 * read as hex when it is hex (each hidden byte's two hex digits starred), as base64 when it is base64 (each base64
 * character that carries a bit of a hidden byte starred: `NDExMTEx...` of an ASCII PAN), as free text in any case
 * (`maskFieldValue`: a header written as text, a comment in it). A character written as a reference is starred whole
 * (`*****` for `&#78;`); markup is kept. Both readings are applied when the text is both (`30313233`): the safe side.
 * Linear in the length of the content.
 */
export function maskedHeaderText(content: string): string {
  const free = maskFieldValue(content, undefined, undefined);
  if (free.length !== content.length) return free;
  const chars = free.split('');
  const read = readContent(content);
  const plain = read.map((r) => r.char).join('');
  const star = (r: ReadChar): void => {
    for (let i = r.start; i < r.end; i++) chars[i] = STAR;
  };
  if (read.length !== plain.length) return free; // a character outside the BMP: neither hex nor base64
  if (HEX.test(plain)) {
    hiddenBytes(plain).forEach((hidden, b) => {
      if (!hidden) return;
      star(read[2 * b]!);
      star(read[2 * b + 1]!);
    });
  }
  if (plain.length > 1 && BASE64.test(plain)) {
    hiddenBytes(Buffer.from(plain, 'base64').toString('hex')).forEach((hidden, b) => {
      if (!hidden) return;
      // Byte b of a group of 3 is carried by the group's 4 characters: its 1st by the 1st and 2nd, its 2nd by the 2nd
      // and 3rd, its 3rd by the 3rd and 4th.
      const at = 4 * Math.floor(b / 3) + (b % 3);
      star(read[at]!);
      star(read[at + 1]!);
    });
  }
  return chars.join('');
}

/**
 * Where a `<header>` element's content that starts at `from` ends: at the first tag after it (its `</header>`, or
 * whatever tag a malformed document has there), comments, processing instructions and CDATA sections stepped over
 * whole; the end of the text when there is none. Linear in the content's length.
 */
export function headerContentEnd(xml: string, from: number): number {
  let at = from;
  for (;;) {
    const lt = xml.indexOf('<', at);
    if (lt === -1) return xml.length;
    const end = specialEnd(xml, lt);
    if (end === undefined) return lt;
    if (end === -1) return xml.length;
    at = end;
  }
}
