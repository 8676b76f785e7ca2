import { MAX_DIALECT_FILE_BYTES } from '../dialect/dialect-file.js';
import { xmlError } from './attributes.js';

/**
 * The checks of a packager document's text before it is parsed: its size, its encoding and its DOCTYPE. jPOS reads a
 * packager with a validating XML parser that applies every declaration of the internal DTD subset (an `<!ATTLIST`
 * default binds each element without the attribute, an entity holding markup is expanded into elements) and refuses a
 * reference to an entity nobody declared. The import's XML reader does neither, so what it would read otherwise than
 * jPOS is refused, naming it, rather than imported with other bytes.
 */

/** The entities XML predefines. */
const PREDEFINED = new Set(['lt', 'gt', 'amp', 'apos', 'quot']);

/** What a value or a declaration is shown as in an error: its first 40 characters, quoted. */
export function shown(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

/**
 * Refuses, before it is parsed, a packager text over {@link MAX_DIALECT_FILE_BYTES} characters (1 MiB, the limit of a
 * packager file: a whole jPOS packager is about 30 KB) and one in UTF-16 (read as UTF-8, its byte order mark gives two
 * replacement characters, its ASCII characters NULs).
 */
export function refuseUnreadableText(name: string, xml: string): void {
  if (xml.length > MAX_DIALECT_FILE_BYTES) {
    xmlError(name, `the packager document is over ${MAX_DIALECT_FILE_BYTES} characters (the limit of a packager file)`);
  }
  if (xml.startsWith('\uFFFD\uFFFD') || xml.startsWith('\uFFFE') || xml.slice(0, 4).includes('\u0000')) {
    xmlError(name, 'the packager must be UTF-8: this one looks like UTF-16 (a UTF-16 byte order mark or NUL bytes at its start)');
  }
}

/**
 * Refuses, in a well-formed packager text, a DOCTYPE jPOS would read otherwise than the import
 * (`internalEntities`), then a reference to an entity it does not declare. Returns the names of the entities the
 * DOCTYPE declares (empty without one), so that a reference the XML reader left unexpanded is refused after parsing
 * (`refuseUnexpanded`).
 */
export function refuseUnreadDoctype(name: string, xml: string): ReadonlySet<string> {
  const { declared, end } = internalEntities(name, xml);
  refuseUndeclaredReferences(name, xml, end, declared);
  return declared;
}

/**
 * Refuses a parsed attribute value or text `value` still holding a reference to an entity the DOCTYPE declares
 * (`declared`): the XML reader drops a plain-text entity whose text looks like script or markup (`onload=`,
 * `javascript:`, `xmlns=`, `-->`) and keeps the reference as it stands, where jPOS expands it, so the import would
 * read other bytes than jPOS. `where` names the attribute or text, `field` the field's path.
 */
export function refuseUnexpanded(name: string, declared: ReadonlySet<string>, value: string, where: string, field: string | undefined): void {
  if (declared.size === 0 || !value.includes('&')) return;
  for (const m of value.matchAll(/&([^;\s&<>"']+);/g)) {
    if (declared.has(m[1]!)) {
      xmlError(name, `entity reference ${shown(m[0])} in ${where} is not expanded by the import's XML reader (it drops an entity whose text looks like script or markup, such as "onload=", "javascript:", "xmlns="): jPOS expands it, write the text instead`, field);
    }
  }
}

/**
 * The names of the entities the DOCTYPE's internal subset declares, and where the DOCTYPE ends (0 without one). The
 * subset may hold comments and plain-text entities (`<!ENTITY name "text">`) only: an `<!ATTLIST` (whose defaults
 * jPOS applies), an `<!ELEMENT`, a parameter entity, an external entity or an entity holding markup (`<`) or a
 * reference (`&`: jPOS expands it, the import's reader drops the entity) is refused, naming it.
 */
function internalEntities(name: string, xml: string): { declared: Set<string>; end: number } {
  const declared = new Set<string>();
  let at = skipProlog(xml);
  if (!xml.startsWith('<!DOCTYPE', at)) return { declared, end: 0 };
  at += '<!DOCTYPE'.length;
  // The root name and the external identifier, up to the subset's `[` or the DOCTYPE's `>`.
  for (; at < xml.length && xml[at] !== '[' && xml[at] !== '>'; at++) {
    if (xml[at] === '"' || xml[at] === "'") at = closing(name, xml, at, xml[at]!, 'a DOCTYPE literal');
  }
  if (xml[at] !== '[') return { declared, end: at + 1 };
  at++;
  for (;;) {
    while (at < xml.length && /\s/.test(xml[at]!)) at++;
    if (at >= xml.length) xmlError(name, 'the DOCTYPE internal subset is not closed');
    if (xml[at] === ']') return { declared, end: at + 1 };
    if (xml.startsWith('<!--', at)) {
      const close = xml.indexOf('-->', at + 4);
      if (close < 0) xmlError(name, 'a comment in the DOCTYPE is not closed');
      at = close + 3;
      continue;
    }
    if (!xml.startsWith('<!ENTITY', at) || !/\s/.test(xml[at + 8] ?? '')) {
      const what = /^(<!?[A-Za-z]*|%[^;\s]*;?)/.exec(xml.slice(at, at + 40))?.[0] ?? xml[at]!;
      xmlError(name, `the DOCTYPE internal subset holds ${shown(what)}: only plain-text <!ENTITY name "text"> declarations are read (jPOS applies the others: an <!ATTLIST default binds every element without the attribute)`);
    }
    at = entity(name, xml, at + 8, declared);
  }
}

/** Reads one `<!ENTITY` declaration from after its keyword; returns where it ends. */
function entity(name: string, xml: string, from: number, declared: Set<string>): number {
  const head = /^\s+(%\s+)?([^\s"'>]+)\s+/.exec(xml.slice(from, from + 300));
  if (head === null) xmlError(name, 'an <!ENTITY declaration in the DOCTYPE has no name');
  const entityName = head[2]!;
  if (head[1] !== undefined) xmlError(name, `parameter entity ${shown(entityName)} in the DOCTYPE is not supported`);
  let at = from + head[0].length;
  const quote = xml[at];
  if (quote !== '"' && quote !== "'") {
    xmlError(name, `entity ${shown(entityName)} is an external entity (SYSTEM or PUBLIC): only plain-text entities are read`);
  }
  const close = closing(name, xml, at, quote, `entity ${shown(entityName)}`);
  const value = xml.slice(at + 1, close);
  if (value.includes('<')) {
    xmlError(name, `entity ${shown(entityName)} holds markup (<): jPOS expands it into elements, the import reads plain-text entities only`);
  }
  const ref = /[&%][^;\s]*;?/.exec(value);
  if (ref !== null) {
    xmlError(name, `entity ${shown(entityName)} refers to ${shown(ref[0])}: references inside an entity (nested entities, character references) are not supported, write the text`);
  }
  at = close + 1;
  while (at < xml.length && /\s/.test(xml[at]!)) at++;
  if (xml[at] !== '>') xmlError(name, `entity ${shown(entityName)} is not a plain-text entity (<!ENTITY name "text">)`);
  declared.add(entityName);
  return at + 1;
}

/** The index of the `quote` closing the literal opened at `open`. */
function closing(name: string, xml: string, open: number, quote: string, what: string): number {
  const close = xml.indexOf(quote, open + 1);
  if (close < 0) xmlError(name, `${what}: the quoted text is not closed`);
  return close;
}

/** Where the DOCTYPE may start: after a byte order mark, the XML declaration, comments, processing instructions. */
function skipProlog(xml: string): number {
  let at = xml.startsWith('\uFEFF') ? 1 : 0;
  for (;;) {
    while (at < xml.length && /\s/.test(xml[at]!)) at++;
    const close = xml.startsWith('<?', at) ? xml.indexOf('?>', at) + 2 : xml.startsWith('<!--', at) ? xml.indexOf('-->', at) + 3 : -1;
    if (close < at) return at;
    at = close;
  }
}

/**
 * Refuses a reference to an entity neither XML nor the DOCTYPE declares (`&nbsp;`, `&c2;`) and a character reference to
 * no XML character (`&#0;`, `&#xD800;`): jPOS refuses the document, the import's reader would keep or drop the
 * reference. Comments and CDATA sections are skipped.
 */
function refuseUndeclaredReferences(name: string, xml: string, from: number, declared: Set<string>): void {
  const pattern = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|&(#?)([^;\s&<>"']*);/g;
  pattern.lastIndex = from;
  for (let m = pattern.exec(xml); m !== null; m = pattern.exec(xml)) {
    const [text, hash, ref] = m;
    if (ref === undefined) continue;
    if (hash === '#') {
      if (!isXmlCharacter(ref)) xmlError(name, `character reference ${shown(text)} is not an XML character`);
    } else if (!PREDEFINED.has(ref) && !declared.has(ref)) {
      xmlError(name, `entity reference ${shown(text)} names no entity declared in the DOCTYPE`);
    }
  }
}

/** Whether `ref` (after `&#`) is a decimal or hexadecimal number of a character XML allows. */
function isXmlCharacter(ref: string): boolean {
  const digits = /^x[0-9a-fA-F]{1,6}$/.test(ref) ? Number.parseInt(ref.slice(1), 16) : /^[0-9]{1,7}$/.test(ref) ? Number(ref) : -1;
  return (
    digits === 0x9 || digits === 0xa || digits === 0xd || (digits >= 0x20 && digits <= 0xd7ff) ||
    (digits >= 0xe000 && digits <= 0xfffd) || (digits >= 0x10000 && digits <= 0x10ffff)
  );
}
