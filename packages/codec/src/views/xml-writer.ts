/**
 * Writing the `ISOMessage` XML of a message: fields in ascending order, values XML-escaped, composite fields as
 * nested `<isomsg>`, field 55 optionally as one `<tag>` per EMV data object.
 */
import type { IsoMessage } from '../types.js';
import type { FieldProblem } from '../errors.js';
import type { XmlOptions } from './xml.js';
import { invalidMessage } from '../errors.js';
import type { TlvItem } from '../emv/tlv.js';
import { viewableTlv } from '../emv/tags.js';
import { escapeXml, isXmlText } from './xml-text.js';
import { WriteShapes, fieldNumber } from './xml-write-shapes.js';
import type { WriteShape } from './xml-write-shapes.js';
import { safeName } from './names.js';
import { valueText } from './value-text.js';
import { bytesArgument, messageArgument, optionsArgument } from '../arguments.js';
import { HEX_BYTES, MAX_COMPOSITE_DEPTH } from './xml-shape.js';

function byNumber(a: number, b: number): number {
  return a - b;
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

/**
 * True when `value` can be written as it is: no character that needs escaping (`& < > "` and the carriage return,
 * which a parser would turn into a line feed) and none that XML 1.0 may not carry (control characters other than tab
 * and line feed, surrogates, U+FFFE, U+FFFF). Such values take the slow, checked path. A loop over the character
 * codes: cheaper than a regular expression for the short values of a message.
 */
function isPlainText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20) {
      if (c !== 0x09 && c !== 0x0a) return false;
    } else if (c === 0x26 || c === 0x3c || c === 0x3e || c === 0x22 || (c >= 0xd800 && (c <= 0xdfff || c >= 0xfffe))) {
      return false;
    }
  }
  return true;
}

/** The field numbers of `message` to write, in ascending order (integer keys come out so already). */
function fieldIds(message: IsoMessage, path: string, depth: number, problems: FieldProblem[]): number[] {
  const ids: number[] = [];
  let previous = -1;
  let ascending = true;
  for (const id of Object.keys(message)) {
    if (depth > 0 && id === 'header') continue;
    const n = fieldNumber(id);
    if (n < 0) {
      problems.push({ field: path + safeName(id), code: 'ISO8583_ERR_FIELD_ID', reason: 'not a field number' });
      continue;
    }
    if (n === 1 && depth === 0) continue;
    if (n < previous) ascending = false;
    previous = n;
    ids.push(n);
  }
  return ascending ? ids : ids.sort(byNumber);
}

/** `<field id="N">` after an indent, per indent and field number, made on first use (one string per field and depth). */
const OPEN_TAGS = new Map<string, string[]>();

function openTags(indent: string): string[] {
  let tags = OPEN_TAGS.get(indent);
  if (tags === undefined) {
    tags = [];
    OPEN_TAGS.set(indent, tags);
  }
  return tags;
}

function writeFields(
  message: IsoMessage,
  path: string,
  depth: number,
  options: XmlOptions,
  indent: string,
  problems: FieldProblem[],
): string {
  const nl = options.pretty === false ? '' : '\n';
  const step = options.pretty === false ? '' : '  ';
  const ids = fieldIds(message, path, depth, problems);
  const tags = openTags(indent);
  const close = `</field>${nl}`;
  const emvView = options.emv === true && depth === 0;
  let out = '';
  if (depth > 0 && message.header !== undefined) {
    const header = message.header;
    if (typeof header === 'string' && HEX_BYTES.test(header)) {
      out += `${indent}<header>${header.toUpperCase()}</header>${nl}`;
    } else {
      problems.push({ field: `${path}header`, code: 'ISO8583_ERR_HEADER', reason: 'a composite header must be hex' });
    }
  }
  for (const id of ids) {
    const value = (message as Record<number, unknown>)[id];
    if (typeof value === 'string' && isPlainText(value) && !(emvView && id === 55)) {
      out += (tags[id] ??= `${indent}<field id="${id}">`) + value + close;
      continue;
    }
    const field = path + id;
    if (value === undefined || value === null) continue;
    if (typeof value === 'object') {
      if (depth >= MAX_COMPOSITE_DEPTH) {
        problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'composite fields nested too deep' });
        continue;
      }
      out += `${indent}<isomsg id="${id}">${nl}`;
      out += writeFields(value as IsoMessage, `${field}.`, depth + 1, options, indent + step, problems);
      out += `${indent}</isomsg>${nl}`;
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'bigint') {
      problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: `a ${typeof value} is not a field value` });
      continue;
    }
    // A number as pack takes it (numberDigits): written as `String` gives, one past 2^53 lost its last digits
    // (`12345678901234567000`), and fromXml would read that back as text pack takes.
    const text = valueText(value, field, problems);
    if (text === undefined) continue;
    if (!isXmlText(text)) {
      problems.push({ field, code: 'ISO8583_ERR_XML', reason: 'holds characters that XML 1.0 cannot carry' });
      continue;
    }
    if (emvView && id === 55) {
      const items = viewableTlv(text);
      if (items !== undefined && items.length > 0) {
        const lines: string[] = [`${indent}<field id="55">${nl}`];
        writeEmv(items, indent + step, nl, step, lines);
        lines.push(`${indent}</field>${nl}`);
        out += lines.join('');
        continue;
      }
    }
    out += `${indent}<field id="${id}">${escapeXml(text)}</field>${nl}`;
  }
  return out;
}

/**
 * The `ISOMessage` XML of a message (the WSO2 shape), fields in ascending order, values XML-escaped; a composite
 * field as `<isomsg id="N">` holding its sub-fields. Field 1 (the bitmap) is not shown. Throws
 * `ISO8583_ERR_INVALID_MESSAGE` naming every field that cannot be written (a key that is not a field number, a value
 * that is not text, a number that is not a whole number from 0 to 2^53 - 1 or a negative bigint, as pack refuses them,
 * characters that XML 1.0 cannot carry).
 */
export function toXml(message: IsoMessage, options?: XmlOptions): string {
  messageArgument(message);
  options = optionsArgument(options);
  if (options.header !== undefined) bytesArgument(options.header, 'header');
  const shapes = options.pretty === false ? COMPACT : PRETTY;
  const header = options.header !== undefined && options.header.length > 0 ? Buffer.from(options.header).toString('base64') : undefined;
  // A message of a shape seen before, every value plain Latin-1 text: from a byte template, as one flat string.
  const shape = shapes.find(Object.keys(message));
  if (shape !== undefined && !(options.emv === true && shape.hasEmv)) {
    const text = shape.templates.write(message as Record<number, unknown>, shape, header);
    if (text !== undefined) return text;
  }
  return writeXmlText(message, options, header, shape ?? null);
}

/**
 * `toXml` without the byte templates: a known shape with plain values from its markup, anything else the general
 * way. `header` is the base64 of `options.header` (`undefined` for none); `shape` the message's shape (`null` when
 * its keys have none, `undefined` when not looked up yet). Exported for the tests that hold the template path to this
 * one.
 */
export function writeXmlText(
  message: IsoMessage,
  options: XmlOptions,
  header: string | undefined,
  shape?: WriteShape | null,
): string {
  const nl = options.pretty === false ? '' : '\n';
  const step = options.pretty === false ? '' : '  ';
  let out = `<ISOMessage>${nl}`;
  if (header !== undefined) out += `${step}<header>${header}</header>${nl}`;
  out += `${step}<data>${nl}`;
  const tail = `${step}</data>${nl}</ISOMessage>`;
  const shapes = options.pretty === false ? COMPACT : PRETTY;
  const known = shape === undefined ? shapes.find(Object.keys(message)) : (shape ?? undefined);
  const plain = writePlain(message, known, options.emv === true);
  if (plain !== undefined) return plain === '' ? out + tail : `${out}${plain}</field>${nl}${tail}`;
  const problems: FieldProblem[] = [];
  out += writeFields(message, '', 0, options, step + step, problems);
  if (problems.length > 0) throw invalidMessage(problems, 'message for XML');
  return out + tail;
}

const PRETTY = new WriteShapes('  ', '\n');
const COMPACT = new WriteShapes('', '');

/**
 * The fields of a message of a known shape whose values are all plain text (see {@link isPlainText}), from the
 * shape's markup, without the last `</field>`; '' for no field; `undefined` when the message needs the general path
 * (no known shape: a key that is not a field number; a value that is not plain text, field 55 in the EMV view).
 */
function writePlain(message: IsoMessage, shape: WriteShape | undefined, emv: boolean): string | undefined {
  if (shape === undefined) return undefined;
  const { ids, before } = shape;
  let out = '';
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    const value = (message as Record<number, unknown>)[id];
    if (typeof value !== 'string' || !isPlainText(value) || (emv && id === 55)) return undefined;
    out += before[i]! + value;
  }
  return out;
}
