/**
 * Reading an `ISOMessage` document (optionally in a SOAP envelope) or a jPOS XMLPackager `<isomsg>` document into a
 * message, every offending field named at once. No DOCTYPE, so no entity can be declared or expanded.
 */
import { XMLParser, XMLValidator } from './fast-xml-parser.js';
import type { MessageInput } from '../types.js';
import type { FieldProblem } from '../errors.js';
import type { FromXmlOptions, XmlMessage } from './xml.js';
import type { FieldSpec } from '../types.js';
import { Iso8583Error, codecError, invalidMessage } from '../errors.js';
import type { TlvItem } from '../emv/tlv.js';
import { MAX_TLV_DEPTH, buildTlv, isTlvTag } from '../emv/tlv.js';
import { decodeXmlAttribute, isXmlText, XML_TEXT_FAULTS, xmlAttributeFault } from './xml-text.js';
import { readSections } from './xml-unclosed.js';
import { safeName } from './names.js';
import { tagPath } from '../emv/tag-path.js';
import type { XmlNode } from './xml-nodes.js';
import { attributesOf, childrenOf, elementsOf, localName, nameOf, textFaultOf, textOf } from './xml-nodes.js';
import { FIELD_ID, HEX_BYTES, MAX_COMPOSITE_DEPTH, MAX_PARSED_XML_LENGTH, MAX_XML_DEPTH, MAX_XML_LENGTH, MAX_XML_REFERENCES } from './xml-shape.js';
import { scanIsoMessage } from './xml-scan.js';
import { soapIsoMessage } from './xml-soap.js';
import { jposValue } from './xml-jpos-types.js';

const PARSER = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  cdataPropName: '#cdata',
  ignoreDeclaration: true,
  ignorePiTags: true,
  jPath: false,
  // Past this the parser throws; the reader refuses a deeper document first (MAX_XML_DEPTH), saying why.
  maxNestedTags: MAX_XML_DEPTH + 1,
});

/**
 * Tags of a well-formed document outside its comments, CDATA sections and processing instructions (`readSections`),
 * their attribute values quoted (an attribute value may hold `>`). What is left is the text content.
 */
const TAGS = /<(?:[^>"']|"[^"]*"|'[^']*')*>/g;

/**
 * Comments, CDATA sections, processing instructions and tags (attribute values quoted), left to right: a processing
 * instruction is the third group. A tag is matched whole, so that a `<?` in an attribute value is not taken for one.
 */
const SECTIONS_PIS_AND_TAGS = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|(<\?[\s\S]*?\?>)|<(?:[^>"']|"[^"]*"|'[^']*')*>/g;

/**
 * A well-formed document without its processing instructions (the XML declaration too), which the reader drops
 * anyway (`ignorePiTags`): fast-xml-parser pairs a quote in one (`<?note it's?>`) with the next quote of the document,
 * and so refused the document (`Pi Tag is not closed`) or, with another quote and `?>` further on, dropped every field
 * in between. Text on either side of one is joined, as the parser joins it.
 */
function withoutProcessingInstructions(xml: string): string {
  return xml.includes('<?') ? xml.replace(SECTIONS_PIS_AND_TAGS, (markup, pi?: string) => (pi === undefined ? markup : '')) : xml;
}

function xmlError(reason: string, cause?: unknown): Iso8583Error {
  return codecError('ISO8583_ERR_XML', reason, cause === undefined ? {} : { cause });
}

interface ReadContext {
  problems: FieldProblem[];
  /** True for the jPOS shape, where `value` attributes carry the values. */
  jpos: boolean;
  /** The top-level `<header>` of a jPOS dump (hex in the document), once read. */
  header?: Buffer;
}

/**
 * The `id` attribute of an element as XML reads it (`id="&#52;8"` is `48`); one with an unknown entity or a bare `&`
 * stays raw, which no id rule accepts.
 */
function idOf(element: XmlNode): string | undefined {
  const raw = attributesOf(element).id;
  return raw === undefined ? undefined : (decodeXmlAttribute(raw) ?? raw);
}

/** The problem of attributes an element may not have: the first named (made safe), the others counted. */
function unexpectedAttributes(extra: readonly string[]): string {
  const more = extra.length > 1 ? ` and ${extra.length - 1} more` : '';
  return `unexpected attributes (${safeName(extra[0]!)}${more})`;
}

/** The `<tag>` elements of field 55 as data objects; `path` (`55.70`) is where they are, named in an attribute's problem. */
function readEmvTags(nodes: XmlNode[], field: string, ctx: ReadContext, depth: number, path = field): TlvItem[] | undefined {
  const items: TlvItem[] = [];
  const { elements, junk } = elementsOf(nodes);
  if (depth > MAX_TLV_DEPTH) {
    ctx.problems.push({ field, code: 'ISO8583_ERR_TLV', reason: `<tag> elements nested more than ${MAX_TLV_DEPTH} deep` });
    return undefined;
  }
  if (junk) {
    ctx.problems.push({ field, code: 'ISO8583_ERR_TLV', reason: 'text between <tag> elements' });
    return undefined;
  }
  for (const [position, element] of elements.entries()) {
    const name = nameOf(element)!;
    const tag = idOf(element);
    if (name !== 'tag' || tag === undefined) {
      ctx.problems.push({ field, code: 'ISO8583_ERR_TLV', reason: `<${safeName(name)}> where <tag id="..."> was expected` });
      return undefined;
    }
    const label = isTlvTag(tag) ? tag.toUpperCase() : safeName(tag);
    // Its level of the path, by position when the digits along the path would spell a card number (tag-path.ts).
    const here = tagPath(path, label, position);
    // Only `id` (and namespace declarations): a jPOS-style `value="..."` would otherwise build an empty value unseen.
    const extra = Object.keys(attributesOf(element)).filter((a) => a !== 'id' && !a.startsWith('xmlns'));
    if (extra.length > 0) {
      ctx.problems.push({ field: here, code: 'ISO8583_ERR_XML', reason: unexpectedAttributes(extra) });
      return undefined;
    }
    const children = childrenOf(element, name);
    if (elementsOf(children).elements.length > 0) {
      const nested = readEmvTags(children, field, ctx, depth + 1, here);
      if (nested === undefined) return undefined;
      items.push({ tag, value: '', children: nested });
    } else {
      const value = textOf(children);
      if (value === undefined) {
        ctx.problems.push({ field, code: 'ISO8583_ERR_XML', reason: `tag ${label}: ${textFaultOf(children)}` });
        return undefined;
      }
      items.push({ tag, value: value.trim() });
    }
  }
  return items;
}

/**
 * The value of a `<field>`: its text, its `value` attribute, or (top-level field 55) its EMV `<tag>` elements. In a jPOS
 * dump, by jPOS's rule for `type` (`jposValue`; `spec`: the field in the dialect given, if any).
 */
function readField(element: XmlNode, field: string, top: boolean, ctx: ReadContext, spec: FieldSpec | undefined): string | undefined {
  const children = childrenOf(element, 'field');
  const attributes = attributesOf(element);
  const { elements } = elementsOf(children);
  if (elements.length > 0) {
    if (top && field === '55' && elements.every((e) => nameOf(e) === 'tag')) {
      const items = readEmvTags(children, field, ctx, 0);
      if (items === undefined) return undefined;
      try {
        return buildTlv(items);
      } catch (err) {
        const reason = err instanceof Iso8583Error ? err.message : 'invalid EMV data';
        ctx.problems.push({ field, code: 'ISO8583_ERR_TLV', reason });
        return undefined;
      }
    }
    const names = [...new Set(elements.map((e) => `<${safeName(nameOf(e)!)}>`))].join(', ');
    ctx.problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: `a field holds elements (${names})` });
    return undefined;
  }
  const text = textOf(children);
  if (text === undefined) {
    ctx.problems.push({ field, code: 'ISO8583_ERR_XML', reason: `${textFaultOf(children)} in the value` });
    return undefined;
  }
  if (attributes.value !== undefined) {
    if (text !== '') {
      ctx.problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a value both as text and as attribute' });
      return undefined;
    }
    const value = decodeXmlAttribute(attributes.value);
    if (value === undefined) {
      ctx.problems.push({ field, code: 'ISO8583_ERR_XML', reason: `${xmlAttributeFault(attributes.value) ?? XML_TEXT_FAULTS.entity} in the value` });
      return undefined;
    }
    return ctx.jpos ? jposValue(value, typeOf(attributes), spec, field, ctx.problems) : value;
  }
  return ctx.jpos ? jposValue(text, typeOf(attributes), spec, field, ctx.problems) : text;
}

/** The `type` attribute as XML reads it (one with an unknown entity stays raw, which no rule accepts). */
function typeOf(attributes: Record<string, string>): string | undefined {
  const raw = attributes.type;
  return raw === undefined ? undefined : (decodeXmlAttribute(raw) ?? raw);
}

const FIELD_ATTRIBUTES = new Set(['id', 'value', 'type']);

/**
 * A `<header>` in hex: of a composite field (`<isomsg id>`: into the composite as `header`, uppercase), or at the top
 * of a jPOS XMLPackager dump (the message header: into `ctx.header` as bytes). Not hex, or given twice: a problem.
 */
function readHexHeader(element: XmlNode, path: string, depth: number, ctx: ReadContext, out: MessageInput): void {
  const field = `${path}header`;
  const text = textOf(childrenOf(element, 'header'))?.trim();
  if (depth > 0 ? Object.hasOwn(out, 'header') : ctx.header !== undefined) {
    ctx.problems.push({ field, code: 'ISO8583_ERR_HEADER', reason: 'the header is given twice' });
  } else if (text === undefined || !HEX_BYTES.test(text)) {
    ctx.problems.push({ field, code: 'ISO8583_ERR_HEADER', reason: 'the header is not hex' });
  } else if (depth > 0) {
    out.header = text.toUpperCase();
  } else {
    ctx.header = Buffer.from(text, 'hex');
  }
}

/**
 * Reads the `<field>` and `<isomsg>` elements of a `<data>` (or jPOS `<isomsg>`) element into `out`; `specs`: the
 * fields of this level in the dialect given to a jPOS dump's reading, if any.
 */
function readFields(
  nodes: XmlNode[],
  path: string,
  depth: number,
  ctx: ReadContext,
  out: MessageInput,
  where: string,
  specs?: Record<string, FieldSpec>,
): void {
  const { elements, junk } = elementsOf(nodes);
  if (junk) ctx.problems.push({ field: where, code: 'ISO8583_ERR_XML', reason: 'text between the field elements' });
  let position = 0;
  for (const element of elements) {
    position++;
    const name = nameOf(element)!;
    const attributes = attributesOf(element);
    if (name === 'header' && (depth > 0 || ctx.jpos)) {
      readHexHeader(element, path, depth, ctx, out);
      continue;
    }
    if (name !== 'field' && name !== 'isomsg') {
      ctx.problems.push({
        field: `${where}/${safeName(name)}[${position}]`,
        code: 'ISO8583_ERR_XML',
        reason: 'unexpected element',
      });
      continue;
    }
    const id = idOf(element);
    if (id === undefined) {
      ctx.problems.push({ field: `${where}/${name}[${position}]`, code: 'ISO8583_ERR_FIELD_ID', reason: 'no id attribute' });
      continue;
    }
    // Untrimmed, as the scanner's grammar and jPOS (`Integer.parseInt`) read it: `id=" 2"` is no field number.
    if (!FIELD_ID.test(id)) {
      ctx.problems.push({
        field: `${where}/${name}[${position}]`,
        code: 'ISO8583_ERR_FIELD_ID',
        reason: 'the id is not a field number',
      });
      continue;
    }
    const field = path + id;
    if (Object.hasOwn(out, id)) {
      ctx.problems.push({ field, code: 'ISO8583_ERR_FIELD_ID', reason: 'the field is given twice' });
      continue;
    }
    const extra = Object.keys(attributes).filter((a) => !FIELD_ATTRIBUTES.has(a) && !a.startsWith('xmlns'));
    if (extra.length > 0) {
      ctx.problems.push({ field, code: 'ISO8583_ERR_XML', reason: unexpectedAttributes(extra) });
      continue;
    }
    if (name === 'isomsg') {
      if (depth >= MAX_COMPOSITE_DEPTH) {
        ctx.problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'composite fields nested too deep' });
        continue;
      }
      const nested: MessageInput = {};
      readFields(childrenOf(element, name), `${field}.`, depth + 1, ctx, nested, field, specs?.[id]?.subfields?.fields);
      out[id] = nested;
      continue;
    }
    const value = readField(element, field, depth === 0, ctx, specs?.[id]);
    if (value !== undefined) out[id] = value;
  }
}

/**
 * Reads an `ISOMessage` document, optionally inside a SOAP envelope (any namespace prefix), or a jPOS
 * XMLPackager `<isomsg>` document. Comments are ignored; a DOCTYPE is refused (no entity can be declared or
 * expanded). Throws `ISO8583_ERR_XML` for a document that is not well formed or not an ISOMessage, and
 * `ISO8583_ERR_INVALID_MESSAGE` naming every offending field at once (an id that is missing, not a number or given
 * twice, elements or text where a value belongs, an unknown entity, a bad header). Values are not checked against a
 * dialect here: that is the codec's `validate`/`pack`. A canonical document (the shape `toXml` writes) is read by a
 * one-pass scanner (`xml-scan.ts`) up to `MAX_XML_LENGTH` characters; anything else goes to the full parser, which
 * holds every refusal, up to `MAX_PARSED_XML_LENGTH` characters and elements nested up to 100 levels deep (a deeper
 * document is refused with `ISO8583_ERR_XML`, "nests elements deeper than 100 levels"). A document of more than
 * `MAX_XML_REFERENCES` entity or character references is refused before either reads it. A jPOS dump's values are
 * read by jPOS's rule for `type` with `options.dialect` (see {@link FromXmlOptions}).
 */
export function fromXml(xml: string, options: FromXmlOptions = {}): XmlMessage {
  if (typeof xml !== 'string') throw xmlError('the XML input must be text');
  if (xml.length > MAX_XML_LENGTH) throw xmlError(`the XML document is over ${MAX_XML_LENGTH} characters`);
  if (references(xml) > MAX_XML_REFERENCES) throw xmlError(`the XML document holds over ${MAX_XML_REFERENCES} entity or character references`);
  return scanIsoMessage(xml) ?? parseXmlMessage(xml, options);
}

/** How many `&` `xml` holds (each starts a reference, or is a bare `&` the readers refuse), counted up to one past the bound. */
function references(xml: string): number {
  let n = 0;
  for (let at = xml.indexOf('&'); at >= 0 && n <= MAX_XML_REFERENCES; at = xml.indexOf('&', at + 1)) n++;
  return n;
}

/** The full path of {@link fromXml}: validation and a parse by fast-xml-parser, then a walk of the tree. */
export function parseXmlMessage(xml: string, options: FromXmlOptions = {}): XmlMessage {
  if (typeof xml !== 'string') throw xmlError('the XML input must be text');
  if (xml.length > MAX_PARSED_XML_LENGTH) {
    throw xmlError(`the XML document is over ${MAX_PARSED_XML_LENGTH} characters, the most read outside the canonical ISOMessage shape`);
  }
  // Comments, CDATA sections and processing instructions read away in one linear walk: a `<!DOCTYPE` in one is text.
  const sections = readSections(xml);
  if ('unclosed' in sections) throw xmlError(`the XML is not well formed: ${sections.unclosed} is never closed`);
  const { outside } = sections;
  if (/<!DOCTYPE/i.test(outside)) throw xmlError('a DOCTYPE is not allowed in an ISOMessage document');
  // XML 1.0 (production Char) has no place for a control character other than tab, LF and CR, U+FFFE, U+FFFF or a
  // lone surrogate, escaped or not; fast-xml-parser's check lets them through, and toXml refuses to write them.
  if (!isXmlText(xml)) {
    throw xmlError('the XML holds a character that XML 1.0 does not allow (a control character, U+FFFE, U+FFFF or a lone surrogate)');
  }
  const check = XMLValidator.validate(xml);
  if (check !== true) {
    throw xmlError(`the XML is not well formed (${check.err.code} at line ${check.err.line}, column ${check.err.col})`);
  }
  // XML 1.0 (2.4): "]]>" in text content ends no CDATA section, so it is not well formed (written "]]&gt;" it is);
  // fast-xml-parser's check lets it through. Looked for after that check, when every tag's quotes pair up.
  if (outside.includes(']]>') && outside.replace(TAGS, '').includes(']]>')) {
    throw xmlError('the XML is not well formed: "]]>" in text outside a CDATA section');
  }
  // XML 1.0 (AttValue): no `<` in an attribute value (`value="a<b"`), which fast-xml-parser's check lets through.
  // Read on the document as written, each tag whole: a `<!--` or `<![CDATA[` in a value opens nothing
  // (`value="a<!--x-->b"`, `value="<!--"` with `-->` in a later tag's value).
  // Read in the same walk: how deep elements nest (the parser's own refusal past its bound says nothing of why).
  let depth = 0;
  for (const markup of xml.matchAll(SECTIONS_PIS_AND_TAGS)) {
    const text = markup[0];
    if (text[1] !== '?' && !text.startsWith('<!--') && !text.startsWith('<![CDATA[') && text.includes('<', 1)) {
      throw xmlError('the XML is not well formed: "<" in an attribute value');
    }
    if (text[1] === '/') depth--;
    else if (text[1] !== '?' && text[1] !== '!' && !text.endsWith('/>') && ++depth > MAX_XML_DEPTH) {
      throw xmlError(`the XML document nests elements deeper than ${MAX_XML_DEPTH} levels`);
    }
  }
  let parsed: XmlNode[];
  try {
    parsed = PARSER.parse(withoutProcessingInstructions(xml)) as XmlNode[];
  } catch {
    // The parser's own text is not kept as the cause: some of its errors quote the document (a card number with it).
    throw xmlError('the XML could not be parsed');
  }
  const { elements: roots, junk } = elementsOf(parsed);
  if (roots.length !== 1 || junk) throw xmlError('an XML document must have exactly one root element');
  const rootName = nameOf(roots[0]!)!;
  let isoMessage: XmlNode | undefined;
  if (localName(rootName) === 'ISOMessage') isoMessage = roots[0];
  else if (localName(rootName) === 'Envelope') {
    isoMessage = soapIsoMessage(roots[0]!, rootName);
  } else if (rootName === 'isomsg') {
    const message: MessageInput = {};
    const ctx: ReadContext = { problems: [], jpos: true };
    readFields(childrenOf(roots[0]!, rootName), '', 0, ctx, message, 'isomsg', options.dialect?.fields);
    if (ctx.problems.length > 0) throw invalidMessage(ctx.problems, 'XML message');
    return ctx.header === undefined ? { message } : { message, header: ctx.header };
  } else {
    throw xmlError(`the root element is <${safeName(rootName)}>, not <ISOMessage>`);
  }
  const name = nameOf(isoMessage!)!;
  const { elements, junk: text } = elementsOf(childrenOf(isoMessage!, name));
  const problems: FieldProblem[] = [];
  if (text) problems.push({ field: 'ISOMessage', code: 'ISO8583_ERR_XML', reason: 'text outside <header> and <data>' });
  let header: Buffer | undefined;
  let data: XmlNode | undefined;
  for (const element of elements) {
    const child = localName(nameOf(element)!);
    if (child === 'header' && header === undefined) {
      const base64 = textOf(childrenOf(element, nameOf(element)!))?.trim();
      if (base64 === undefined || !/^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(base64)) {
        problems.push({ field: 'header', code: 'ISO8583_ERR_HEADER', reason: 'the header is not base64' });
      } else {
        header = Buffer.from(base64, 'base64');
      }
    } else if (child === 'data' && data === undefined) {
      data = element;
    } else {
      problems.push({ field: `ISOMessage/${safeName(child)}`, code: 'ISO8583_ERR_XML', reason: 'unexpected element' });
    }
  }
  if (data === undefined) throw xmlError('the ISOMessage has no <data> element');
  const message: MessageInput = {};
  const ctx: ReadContext = { problems, jpos: false };
  readFields(childrenOf(data, nameOf(data)!), '', 0, ctx, message, 'data');
  if (problems.length > 0) throw invalidMessage(problems, 'XML message');
  return header === undefined ? { message } : { message, header };
}
