/*
 * XML 1.0 text rules for the ISOMessage view: escaping on output, the five predefined entities and character
 * references on input (no DOCTYPE, so no other entity exists), and the characters that XML 1.0 cannot carry at all.
 */

// eslint-disable-next-line no-control-regex
const NOT_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const NEEDS_ESCAPE = /[&<>\r"]/;
const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;', '"': '&quot;' };
// A Map, not an object: `&constructor;` or `&toString;` must be an unknown entity, never a property of Object.prototype.
const PREDEFINED: ReadonlyMap<string, string> = new Map([['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"]]);
// Leading zeros are allowed, as XML allows them (`&#00000065;`, `&#x0000041;`): only the digits after them are bounded.
const REFERENCE = /&(?:#x0*([0-9A-Fa-f]{1,6})|#0*([0-9]{1,7})|([A-Za-z]+));/g;
// What is left of a character reference that REFERENCE does not read: `&#`, anything but `&` and `;`, then `;`.
const CHARACTER_REFERENCE_LIKE = /&#[^&;]*;/;

/** True when XML 1.0 can carry every character of `text` (escaped or not). */
export function isXmlText(text: string): boolean {
  return !NOT_XML_CHAR.test(text);
}

/** `text` escaped for element content or a double-quoted attribute (`& < > " \r`). */
export function escapeXml(text: string): string {
  return NEEDS_ESCAPE.test(text) ? text.replace(/[&<>\r"]/g, (c) => ESCAPES[c]!) : text;
}

function isXmlCodePoint(cp: number): boolean {
  return (
    cp === 0x9 ||
    cp === 0xa ||
    cp === 0xd ||
    (cp >= 0x20 && cp <= 0xd7ff) ||
    (cp >= 0xe000 && cp <= 0xfffd) ||
    (cp >= 0x10000 && cp <= 0x10ffff)
  );
}

/** Why {@link decodeXmlText} refuses a text: the reasons it gives (never the text itself, which may be card data). */
export const XML_TEXT_FAULTS = {
  entity: 'an unknown entity',
  character: 'a character reference to a character XML 1.0 does not allow',
  ampersand: 'a bare &',
} as const;

/** The fault the last {@link decodeXmlText} that refused its text found (the first in the text). */
let lastFault: string | undefined;

/**
 * Raw text as the parser leaves it (entities not processed) with the predefined entities and character references
 * replaced. `undefined` when it holds any other entity, a reference to a character XML does not allow (`&#0;`,
 * `&#xD800;`) or that does not parse (`&#;`, `&#99999999999;`), or a bare `&`: {@link xmlTextFault} says which.
 */
export function decodeXmlText(raw: string): string | undefined {
  if (!raw.includes('&')) return raw;
  lastFault = undefined;
  const decoded = raw.replace(REFERENCE, (_all, hexRef: string | undefined, decRef: string | undefined, name: string | undefined) => {
    if (name !== undefined) {
      const replacement = PREDEFINED.get(name);
      if (replacement === undefined) lastFault ??= XML_TEXT_FAULTS.entity;
      return replacement ?? '';
    }
    const cp = hexRef !== undefined ? parseInt(hexRef, 16) : Number(decRef);
    if (!isXmlCodePoint(cp)) {
      lastFault ??= XML_TEXT_FAULTS.character;
      return '';
    }
    return String.fromCodePoint(cp);
  });
  if (lastFault === undefined) {
    const rest = raw.replace(REFERENCE, '');
    // A `&#...;` left over is a character reference that does not parse (`&#;`, `&#x;`, `&#99999999999;`, `&#12a;`):
    // said as one, as `&#x110000;` is (rv68g #2); any other `&` left is a bare one.
    if (CHARACTER_REFERENCE_LIKE.test(rest)) lastFault = XML_TEXT_FAULTS.character;
    else if (rest.includes('&')) lastFault = XML_TEXT_FAULTS.ampersand;
  }
  return lastFault === undefined ? decoded : undefined;
}

/** Why {@link decodeXmlText} refuses `raw` (one of {@link XML_TEXT_FAULTS}); `undefined` when it reads it. */
export function xmlTextFault(raw: string): string | undefined {
  return decodeXmlText(raw) === undefined ? lastFault : undefined;
}

/**
 * A raw attribute value as the parser leaves it, read as XML 1.0 reads an attribute of no declared type (section
 * 3.3.3): a line end (CR LF, CR or LF) and a tab written as such are each one space, then the references decoded as
 * {@link decodeXmlText} does (so `&#10;` and `&#9;` stay a line feed and a tab). `undefined` as for that.
 */
export function decodeXmlAttribute(raw: string): string | undefined {
  return decodeXmlText(/[\t\n\r]/.test(raw) ? raw.replace(/\r\n?|[\t\n]/g, ' ') : raw);
}

/** Why {@link decodeXmlAttribute} refuses `raw` (one of {@link XML_TEXT_FAULTS}); `undefined` when it reads it. */
export function xmlAttributeFault(raw: string): string | undefined {
  return decodeXmlAttribute(raw) === undefined ? lastFault : undefined;
}
