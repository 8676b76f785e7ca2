import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { IsoMessage, MessageInput } from '../types.js';
import type { FieldProblem } from '../errors.js';
import { Iso8583Error, codecError, invalidMessage } from '../errors.js';
import type { TlvItem } from '../emv/tlv.js';
import { buildTlv, parseTlv } from '../emv/tlv.js';
import { decodeXmlText, escapeXml, isXmlText } from './xml-text.js';
import { safeName } from './names.js';

/*
 * The XML view of a message, in the shape of the WSO2 ISO8583 connector and inbound endpoint:
 *
 *   <ISOMessage>
 *     <header>AAAAaw==</header>                  optional: raw header bytes before the MTI, base64
 *     <data>
 *       <field id="0">0200</field>              fields in ascending order, values XML-escaped
 *       <field id="3">000000</field>
 *       <isomsg id="127">                        a composite field (e.g. Postilion 127), as jPOS nests it
 *         <header>0000</header>                  its fixed header bytes when the dialect has some, uppercase hex
 *         <field id="2">SWITCH_KEY</field>       sub-fields in ascending order
 *       </isomsg>
 *     </data>
 *   </ISOMessage>
 *
 * With the EMV view, field 55 holds one `<tag id="9F26">value-hex</tag>` per data object (constructed tags nest
 * `<tag>` elements) instead of its hex. On input the jPOS XMLPackager shape is accepted too: an `<isomsg>` root with
 * the fields directly inside and values in a `value` attribute.
 */

/** Options of the XML view. */
export interface XmlOptions {
  /** Raw header bytes before the MTI, written as `<header>` in base64. Default: no `<header>` element. */
  header?: Uint8Array;
  /**
   * Show field 55 as one `<tag id="...">` element per EMV data object (values in hex) instead of its hex. Field 55
   * that is not valid BER-TLV stays hex. Default `false`. (`fromXml` always accepts both forms.)
   */
  emv?: boolean;
  /** Indent with newlines and two spaces per level (`true`) or write everything on one line (`false`). Default `true`. */
  pretty?: boolean;
}

/** What {@link fromXml} reads. */
export interface XmlMessage {
  /** The fields, values as strings (a composite field as a nested object). */
  message: MessageInput;
  /** The bytes of the `<header>` element (base64), when present. */
  header?: Buffer;
}

/** The largest XML document read, in characters (a message of 64 KB with escapes fits many times). */
export const MAX_XML_LENGTH = 1 << 20;
/** How deep `<isomsg>` elements may nest. */
const MAX_COMPOSITE_DEPTH = 4;
const FIELD_ID = /^(0|[1-9][0-9]{0,2})$/;

function byNumber(a: string, b: string): number {
  return Number(a) - Number(b);
}

function writeEmv(items: TlvItem[], indent: string, nl: string, step: string, out: string[]): void {
  for (const item of items) {
    if (item.children !== undefined) {
      out.push(`${indent}<tag id="${item.tag}">${nl}`);
      writeEmv(item.children, indent + step, nl, step, out);
      out.push(`${indent}</tag>${nl}`);
    } else {
      out.push(`${indent}<tag id="${item.tag}">${item.value}</tag>${nl}`);
    }
  }
}

function writeFields(
  message: IsoMessage,
  path: string,
  depth: number,
  options: XmlOptions,
  indent: string,
  out: string[],
  problems: FieldProblem[],
): void {
  const nl = options.pretty === false ? '' : '\n';
  const step = options.pretty === false ? '' : '  ';
  const ids: string[] = [];
  for (const id of Object.keys(message)) {
    if (depth > 0 && id === 'header') continue;
    if (!FIELD_ID.test(id)) {
      problems.push({ field: path + safeName(id), code: 'ISO8583_ERR_FIELD_ID', reason: 'not a field number' });
      continue;
    }
    if (id === '1' && depth === 0) continue;
    ids.push(id);
  }
  if (depth > 0 && message.header !== undefined) {
    const header = message.header;
    if (typeof header === 'string' && /^([0-9A-Fa-f]{2})*$/.test(header)) {
      out.push(`${indent}<header>${header.toUpperCase()}</header>${nl}`);
    } else {
      problems.push({ field: `${path}header`, code: 'ISO8583_ERR_HEADER', reason: 'a composite header must be hex' });
    }
  }
  for (const id of ids.sort(byNumber)) {
    const value = message[id] as unknown;
    const field = path + id;
    if (value === undefined || value === null) continue;
    if (typeof value === 'object') {
      if (depth >= MAX_COMPOSITE_DEPTH) {
        problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'composite fields nested too deep' });
        continue;
      }
      out.push(`${indent}<isomsg id="${id}">${nl}`);
      writeFields(value as IsoMessage, `${field}.`, depth + 1, options, indent + step, out, problems);
      out.push(`${indent}</isomsg>${nl}`);
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
      problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: `a ${typeof value} is not a field value` });
      continue;
    }
    const text = String(value);
    if (!isXmlText(text)) {
      problems.push({ field, code: 'ISO8583_ERR_XML', reason: 'holds characters that XML 1.0 cannot carry' });
      continue;
    }
    if (options.emv === true && depth === 0 && id === '55') {
      let items: TlvItem[] | undefined;
      try {
        items = parseTlv(text);
      } catch {
        items = undefined;
      }
      if (items !== undefined && items.length > 0) {
        out.push(`${indent}<field id="55">${nl}`);
        writeEmv(items, indent + step, nl, step, out);
        out.push(`${indent}</field>${nl}`);
        continue;
      }
    }
    out.push(`${indent}<field id="${id}">${escapeXml(text)}</field>${nl}`);
  }
}

/**
 * The `ISOMessage` XML of a message (the WSO2 shape), fields in ascending order, values XML-escaped; a composite
 * field as `<isomsg id="N">` holding its sub-fields. Field 1 (the bitmap) is not shown. Throws
 * `ISO8583_ERR_INVALID_MESSAGE` naming every field that cannot be written (a key that is not a field number, a value
 * that is not text, characters that XML 1.0 cannot carry).
 */
export function toXml(message: IsoMessage, options: XmlOptions = {}): string {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    throw codecError('ISO8583_ERR_OPTION', 'the message must be an object keyed by field number', { field: 'message' });
  }
  const nl = options.pretty === false ? '' : '\n';
  const step = options.pretty === false ? '' : '  ';
  const out: string[] = [`<ISOMessage>${nl}`];
  if (options.header !== undefined && options.header.length > 0) {
    out.push(`${step}<header>${Buffer.from(options.header).toString('base64')}</header>${nl}`);
  }
  out.push(`${step}<data>${nl}`);
  const problems: FieldProblem[] = [];
  writeFields(message, '', 0, options, step + step, out, problems);
  if (problems.length > 0) throw invalidMessage(problems, 'message for XML');
  out.push(`${step}</data>${nl}</ISOMessage>`);
  return out.join('');
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** A node of fast-xml-parser's ordered output: `{ name: children, ':@': attributes }`, `#text` or `#cdata`. */
type XmlNode = Record<string, unknown>;

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
});

function xmlError(reason: string, cause?: unknown): Iso8583Error {
  return codecError('ISO8583_ERR_XML', reason, cause === undefined ? {} : { cause });
}

function nameOf(node: XmlNode): string | undefined {
  for (const key of Object.keys(node)) if (key !== ':@') return key;
  return undefined;
}

function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

function childrenOf(node: XmlNode, name: string): XmlNode[] {
  return (node[name] as XmlNode[] | undefined) ?? [];
}

function attributesOf(node: XmlNode): Record<string, string> {
  return (node[':@'] as Record<string, string> | undefined) ?? {};
}

function isElement(name: string): boolean {
  return name !== '#text' && name !== '#cdata';
}

/** The elements among `nodes`; `junk` is set when there is text other than white space between them. */
function elementsOf(nodes: XmlNode[]): { elements: XmlNode[]; junk: boolean } {
  const elements: XmlNode[] = [];
  let junk = false;
  for (const node of nodes) {
    const name = nameOf(node);
    if (name === undefined) continue;
    if (isElement(name)) elements.push(node);
    else if (name === '#cdata' || String(node['#text']).trim() !== '') junk = true;
  }
  return { elements, junk };
}

/** The text of an element that holds only text and CDATA; `undefined` for an unknown entity. */
function textOf(nodes: XmlNode[]): string | undefined {
  let text = '';
  for (const node of nodes) {
    if ('#text' in node) {
      const decoded = decodeXmlText(String(node['#text']));
      if (decoded === undefined) return undefined;
      text += decoded;
    } else if ('#cdata' in node) {
      for (const part of node['#cdata'] as XmlNode[]) text += String(part['#text'] ?? '');
    }
  }
  return text;
}

interface ReadContext {
  problems: FieldProblem[];
  /** True for the jPOS shape, where `value` attributes carry the values. */
  jpos: boolean;
}

function readEmvTags(nodes: XmlNode[], field: string, ctx: ReadContext, depth: number): TlvItem[] | undefined {
  const items: TlvItem[] = [];
  const { elements, junk } = elementsOf(nodes);
  if (junk || depth > 8) {
    ctx.problems.push({ field, code: 'ISO8583_ERR_TLV', reason: 'text between <tag> elements' });
    return undefined;
  }
  for (const element of elements) {
    const name = nameOf(element)!;
    const tag = attributesOf(element).id;
    if (name !== 'tag' || tag === undefined) {
      ctx.problems.push({ field, code: 'ISO8583_ERR_TLV', reason: `<${safeName(name)}> where <tag id="..."> was expected` });
      return undefined;
    }
    const children = childrenOf(element, name);
    if (elementsOf(children).elements.length > 0) {
      const nested = readEmvTags(children, field, ctx, depth + 1);
      if (nested === undefined) return undefined;
      items.push({ tag, value: '', children: nested });
    } else {
      const value = textOf(children);
      if (value === undefined) {
        ctx.problems.push({ field, code: 'ISO8583_ERR_XML', reason: `tag ${safeName(tag)}: an unknown entity or bare &` });
        return undefined;
      }
      items.push({ tag, value: value.trim() });
    }
  }
  return items;
}

function readField(element: XmlNode, field: string, top: boolean, ctx: ReadContext): string | undefined {
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
    ctx.problems.push({ field, code: 'ISO8583_ERR_XML', reason: 'an unknown entity or a bare & in the value' });
    return undefined;
  }
  if (attributes.value !== undefined) {
    if (text !== '') {
      ctx.problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a value both as text and as attribute' });
      return undefined;
    }
    const value = decodeXmlText(attributes.value);
    if (value === undefined) {
      ctx.problems.push({ field, code: 'ISO8583_ERR_XML', reason: 'an unknown entity or a bare & in the value' });
    }
    return value;
  }
  return text;
}

const FIELD_ATTRIBUTES = new Set(['id', 'value', 'type']);

/** Reads the `<field>` and `<isomsg>` elements of a `<data>` (or jPOS `<isomsg>`) element into `out`. */
function readFields(
  nodes: XmlNode[],
  path: string,
  depth: number,
  ctx: ReadContext,
  out: MessageInput,
  where: string,
): void {
  const { elements, junk } = elementsOf(nodes);
  if (junk) ctx.problems.push({ field: where, code: 'ISO8583_ERR_XML', reason: 'text between the field elements' });
  let position = 0;
  for (const element of elements) {
    position++;
    const name = nameOf(element)!;
    const attributes = attributesOf(element);
    if (name === 'header' && (depth > 0 || ctx.jpos)) {
      const text = textOf(childrenOf(element, name))?.trim();
      if (depth > 0 && text !== undefined && /^([0-9A-Fa-f]{2})*$/.test(text)) out.header = text.toUpperCase();
      else if (depth > 0) ctx.problems.push({ field: `${path}header`, code: 'ISO8583_ERR_HEADER', reason: 'not hex' });
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
    const id = attributes.id;
    if (id === undefined) {
      ctx.problems.push({ field: `${where}/${name}[${position}]`, code: 'ISO8583_ERR_FIELD_ID', reason: 'no id attribute' });
      continue;
    }
    const trimmed = id.trim();
    if (!FIELD_ID.test(trimmed)) {
      ctx.problems.push({
        field: `${where}/${name}[${position}]`,
        code: 'ISO8583_ERR_FIELD_ID',
        reason: 'the id is not a field number',
      });
      continue;
    }
    const field = path + trimmed;
    if (Object.hasOwn(out, trimmed)) {
      ctx.problems.push({ field, code: 'ISO8583_ERR_FIELD_ID', reason: 'the field is given twice' });
      continue;
    }
    const extra = Object.keys(attributes).filter((a) => !FIELD_ATTRIBUTES.has(a) && !a.startsWith('xmlns'));
    if (extra.length > 0) {
      ctx.problems.push({ field, code: 'ISO8583_ERR_XML', reason: `unexpected attributes (${extra.map(safeName).join(', ')})` });
      continue;
    }
    if (name === 'isomsg') {
      if (depth >= MAX_COMPOSITE_DEPTH) {
        ctx.problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'composite fields nested too deep' });
        continue;
      }
      const nested: MessageInput = {};
      readFields(childrenOf(element, name), `${field}.`, depth + 1, ctx, nested, field);
      out[trimmed] = nested;
      continue;
    }
    const value = readField(element, field, depth === 0, ctx);
    if (value !== undefined) out[trimmed] = value;
  }
}

/** Finds the `ISOMessage` element inside a SOAP `Body` (directly or inside an operation element). */
function findIsoMessage(nodes: XmlNode[], depth: number): XmlNode | undefined {
  for (const element of elementsOf(nodes).elements) {
    const name = nameOf(element)!;
    if (localName(name) === 'ISOMessage') return element;
    if (depth < 2) {
      const found = findIsoMessage(childrenOf(element, name), depth + 1);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/**
 * Reads an `ISOMessage` document, optionally inside a SOAP envelope (any namespace prefix), or a jPOS
 * XMLPackager `<isomsg>` document. Comments are ignored; a DOCTYPE is refused (no entity can be declared or
 * expanded). Throws `ISO8583_ERR_XML` for a document that is not well formed or not an ISOMessage, and
 * `ISO8583_ERR_INVALID_MESSAGE` naming every offending field at once (an id that is missing, not a number or given
 * twice, elements or text where a value belongs, an unknown entity, a bad header). Values are not checked against a
 * dialect here: that is the codec's `validate`/`pack`.
 */
export function fromXml(xml: string): XmlMessage {
  if (typeof xml !== 'string') throw xmlError('the XML input must be text');
  if (xml.length > MAX_XML_LENGTH) throw xmlError(`the XML document is over ${MAX_XML_LENGTH} characters`);
  if (/<!DOCTYPE/i.test(xml)) throw xmlError('a DOCTYPE is not allowed in an ISOMessage document');
  const check = XMLValidator.validate(xml);
  if (check !== true) {
    throw xmlError(`the XML is not well formed (${check.err.code} at line ${check.err.line}, column ${check.err.col})`);
  }
  let parsed: XmlNode[];
  try {
    parsed = PARSER.parse(xml) as XmlNode[];
  } catch (err) {
    throw xmlError('the XML could not be parsed', err);
  }
  const { elements: roots, junk } = elementsOf(parsed);
  if (roots.length !== 1 || junk) throw xmlError('an XML document must have exactly one root element');
  const rootName = nameOf(roots[0]!)!;
  let isoMessage: XmlNode | undefined;
  if (localName(rootName) === 'ISOMessage') isoMessage = roots[0];
  else if (localName(rootName) === 'Envelope') {
    const body = elementsOf(childrenOf(roots[0]!, rootName)).elements.find((e) => localName(nameOf(e)!) === 'Body');
    if (body !== undefined) isoMessage = findIsoMessage(childrenOf(body, nameOf(body)!), 0);
    if (isoMessage === undefined) throw xmlError('the SOAP envelope holds no ISOMessage in its Body');
  } else if (rootName === 'isomsg') {
    const message: MessageInput = {};
    const ctx: ReadContext = { problems: [], jpos: true };
    readFields(childrenOf(roots[0]!, rootName), '', 0, ctx, message, 'isomsg');
    if (ctx.problems.length > 0) throw invalidMessage(ctx.problems, 'XML message');
    return { message };
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
