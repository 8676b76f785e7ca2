/*
 * The reading of XML markup the sequence logs' mask needs (xml-mask.ts): a start tag's attributes, where a tag or a piece
 * of markup that is no tag (a comment, a processing instruction, CDATA, a declaration) ends, and tag names as compared.
 * It reads what a log may hold, well-formed or not, in one pass and never past the text.
 */

/** One attribute of a start tag: its name, and where its value sits in the tag (inside its quotes, if any). */
export interface XmlAttribute {
  name: string;
  start: number;
  end: number;
}

const XML_SPACE = /\s/;

/**
 * The attributes of a start tag (`<field id='52' value="...">`, from after its name to its `>`), in either quote style,
 * unquoted, in any order. One pass: each character of the tag is read once (an unclosed quote runs to the tag's end).
 */
export function xmlAttributes(tag: string, from: number): XmlAttribute[] {
  const out: XmlAttribute[] = [];
  const end = tag.length - 1; // the `>`
  let i = from;
  while (i < end) {
    while (i < end && (XML_SPACE.test(tag[i]!) || tag[i] === '/')) i++;
    const nameStart = i;
    while (i < end && !XML_SPACE.test(tag[i]!) && tag[i] !== '=' && tag[i] !== '/') i++;
    const name = tag.slice(nameStart, i);
    while (i < end && XML_SPACE.test(tag[i]!)) i++;
    if (tag[i] !== '=' || i >= end) continue;
    i++;
    while (i < end && XML_SPACE.test(tag[i]!)) i++;
    const quote = tag[i];
    if (quote === '"' || quote === "'") {
      const close = tag.indexOf(quote, i + 1);
      const valueEnd = close === -1 || close > end ? end : close;
      out.push({ name, start: i + 1, end: valueEnd });
      i = valueEnd + 1;
    } else {
      const valueStart = i;
      while (i < end && !XML_SPACE.test(tag[i]!) && !(tag[i] === '/' && i === end - 1)) i++;
      out.push({ name, start: valueStart, end: i });
    }
  }
  return out;
}

/**
 * Where the tag that starts at `lt` ends: its `>`, a quoted attribute value stepped over whole (XML lets it hold `>`:
 * `value="55>55"`). A quote never closed ends nothing: the first `>` after `lt` then. -1 when no `>` follows. Linear: a
 * quote is closed by the next quote of its kind, which the scan then starts after.
 */
export function tagEnd(xml: string, lt: number): number {
  for (let i = lt + 1; i < xml.length; i++) {
    const c = xml.charCodeAt(i);
    if (c === 0x3e) return i;
    if (c === 0x22 || c === 0x27) {
      const close = xml.indexOf(c === 0x22 ? '"' : "'", i + 1);
      if (close === -1) return xml.indexOf('>', lt + 1);
      i = close;
    }
  }
  return -1;
}

/** The delimiters of the markup that is no tag: its start, and its end (sought from after the start). */
const SPECIAL_MARKUP: readonly (readonly [string, string])[] = [
  ['<!--', '-->'],
  ['<![CDATA[', ']]>'],
  ['<?', '?>'],
  ['<!', '>'],
];

/**
 * Where the markup at `lt` that is no tag (comment, CDATA section, processing instruction, `<!` declaration) ends:
 * just after its closing delimiter, -1 when it is never closed, `undefined` when `lt` starts a tag. Quotes in it are
 * text (`<?note it's?>`): no quote is paired with one after it.
 */
export function specialEnd(xml: string, lt: number): number | undefined {
  for (const [open, close] of SPECIAL_MARKUP) {
    if (!xml.startsWith(open, lt)) continue;
    const at = xml.indexOf(close, lt + open.length);
    return at === -1 ? -1 : at + close.length;
  }
  return undefined;
}

/** The name of a start tag (`field` of `<field id="2">`), ending at a space, `/` or `>`. */
export function tagName(tag: string): string {
  let i = 1;
  while (i < tag.length && !XML_SPACE.test(tag[i]!) && tag[i] !== '/' && tag[i] !== '>') i++;
  return tag.slice(1, i);
}

/*
 * Element and attribute names are read in any case and with any namespace prefix (`<Field ID="2">`, `<iso:field>`): the
 * codec's reader takes `<field id>` only, but a document a sequence logs may come from anywhere, and a PAN in a
 * `<FIELD>` is a PAN in the log. Masking more there costs nothing; reading XML's case rule would let it through.
 */

/** The name of a tag as it is compared: lowercase, its namespace prefix aside (`iso:Field` is `field`). */
export function plainName(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1).toLowerCase();
}

/**
 * True when the attribute `name` is `wanted` (lowercase) in any case and with any namespace prefix (`ID`, `iso:id`),
 * as {@link plainName} reads element names; a namespace declaration (`xmlns:id`) is not.
 */
export function attributeIs(name: string, wanted: string): boolean {
  return plainName(name) === wanted && !/^xmlns:/i.test(name);
}


/**
 * A predefined entity or a character reference, at a given place (sticky): its name, decimal or hex digits, leading
 * zeros allowed as XML allows them (`&#x000004e;`, `&#00000078;`).
 */
export const XML_REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#[xX]([0-9A-Fa-f]+));/y;

const XML_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The character a reference names (`undefined` for one out of Unicode's range, which is then read as written). */
export function referencedChar(name: string | undefined, decimal: string | undefined, hex: string | undefined): string | undefined {
  if (name !== undefined) return XML_ENTITIES[name];
  const code = decimal !== undefined ? Number(decimal) : Number.parseInt(hex!, 16);
  return code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

const XML_REFERENCES = new RegExp(XML_REFERENCE.source, 'g');

/** XML text (escaped) as it reads: its five entities and its character references (`&#52;`, `&#x34;`) decoded. */
export function xmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(XML_REFERENCES, (reference, name?: string, decimal?: string, hex?: string) => referencedChar(name, decimal, hex) ?? reference);
}

/**
 * `masked` (`written` with some characters starred, the same length) with every reference of `written` that has a
 * starred character starred whole (`&#51;` shown as `*****`, never `&#**;`), so that the output stays well-formed.
 */
export function wholeReferences(written: string, masked: string): string {
  if (masked.length !== written.length || !written.includes('&') || !masked.includes('*')) return masked;
  let out = '';
  let from = 0;
  for (const m of written.matchAll(XML_REFERENCES)) {
    const end = m.index + m[0].length;
    if (!masked.slice(m.index, end).includes('*')) continue;
    out += masked.slice(from, m.index) + '*'.repeat(end - m.index);
    from = end;
  }
  return from === 0 ? masked : out + masked.slice(from);
}

const ENTITY_OPEN = /<!ENTITY/iy;

/**
 * Where an entity declaration at `lt` (`<!ENTITY` in any case, in a DOCTYPE's internal subset) ends: its quoted
 * value paired, as XML reads it (a `>` in the value ends nothing), to the `>` after it. `undefined` when no entity
 * declaration starts at `lt`; the end of the text when it is never closed. Linear.
 */
export function entityDeclarationEnd(xml: string, lt: number): number | undefined {
  ENTITY_OPEN.lastIndex = lt;
  if (!ENTITY_OPEN.test(xml)) return undefined;
  for (let i = lt + 8; i < xml.length; i++) {
    const c = xml[i];
    if (c === '"' || c === "'") {
      const close = xml.indexOf(c, i + 1);
      if (close === -1) return xml.length;
      i = close;
    } else if (c === '>') return i + 1;
  }
  return xml.length;
}

/**
 * An entity declaration (`entityDeclarationEnd`) with the text of its quoted literals starred, its quotes kept: an
 * entity's value is what `&name;` stands for anywhere in the document (`<!ENTITY pan "NDEx...">`: a card number in
 * base64, or split so that no rule reads it), which no reader of a log needs. The rest is left to the caller.
 */
export function starredLiterals(declaration: string): string {
  return declaration.replace(/"[^"]*("|$)|'[^']*('|$)/g, (literal, dq?: string, sq?: string) => {
    const closed = (dq ?? sq ?? '') !== '';
    return literal[0]! + '*'.repeat(literal.length - (closed ? 2 : 1)) + (closed ? literal[0]! : '');
  });
}
