import { maskFieldValue, maskHeader } from '@iso8583/codec';

/*
 * The `<header>` of a logged XML document (sequence-logger.ts, xml-mask.ts): the message header's bytes, as base64
 * (`ISOMessage`, the codec's XML view) or as hex (jPOS `<isomsg>`, a composite field's header). A peer puts what it
 * likes there, a card number too: its bytes are masked as the codec's `maskHeader` masks a header, and the characters
 * that write a hidden byte are starred in place.
 */

const STAR = '*';
const HEX = /^(?:[0-9A-Fa-f]{2})+$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Which bytes of `hex` the codec's `maskHeader` hides (a digit of a byte starred). */
function hiddenBytes(hex: string): boolean[] {
  const masked = maskHeader(hex);
  const out: boolean[] = [];
  for (let i = 0; i < hex.length; i += 2) out.push(masked[i] === STAR || masked[i + 1] === STAR);
  return out;
}

/**
 * A header element's text with the card data in it masked: read as hex when it is hex (each hidden byte's two hex
 * digits starred), as base64 when it is base64 (each base64 character that carries a bit of a hidden byte starred:
 * `NDExMTEx...` of an ASCII PAN), as free text in any case (`maskFieldValue`: a header written as text). Whitespace
 * between its characters is kept and skipped. Both readings are applied when the text is both (`30313233`): the safe
 * side. Linear in the length of the text.
 */
export function maskedHeaderText(text: string): string {
  const chars = Array.from(maskFieldValue(text, undefined, undefined));
  // Where each character that is not whitespace is (UTF-16 positions equal code point positions in hex or base64).
  const places: number[] = [];
  let plain = '';
  for (let i = 0; i < text.length; i++) {
    if (/\s/.test(text[i]!)) continue;
    places.push(i);
    plain += text[i];
  }
  if (chars.length !== text.length) return chars.join('');
  if (HEX.test(plain)) {
    hiddenBytes(plain).forEach((hidden, b) => {
      if (hidden) chars[places[2 * b]!] = chars[places[2 * b + 1]!] = STAR;
    });
  }
  if (plain.length > 0 && BASE64.test(plain)) {
    hiddenBytes(Buffer.from(plain, 'base64').toString('hex')).forEach((hidden, b) => {
      if (!hidden) return;
      // Byte b of a group of 3 is carried by the group's 4 characters: its 1st by the 1st and 2nd, its 2nd by the 2nd
      // and 3rd, its 3rd by the 3rd and 4th.
      const at = 4 * Math.floor(b / 3) + (b % 3);
      chars[places[at]!] = chars[places[at + 1]!] = STAR;
    });
  }
  return chars.join('');
}
