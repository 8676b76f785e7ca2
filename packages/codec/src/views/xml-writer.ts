/**
 * Writing the `ISOMessage` XML of a message: fields in ascending order, values XML-escaped, composite fields as
 * nested `<isomsg>`, field 55 optionally as one `<tag>` per EMV data object.
 */
import type { IsoMessage } from '../types.js';
import type { FieldProblem } from '../errors.js';
import type { XmlOptions } from './xml.js';
import { codecError, invalidMessage } from '../errors.js';
import type { TlvItem } from '../emv/tlv.js';
import { parseTlv } from '../emv/tlv.js';
import { escapeXml, isXmlText } from './xml-text.js';
import { safeName } from './names.js';
import { FIELD_ID, HEX_BYTES, MAX_COMPOSITE_DEPTH } from './xml-shape.js';

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

/** A character that needs escaping, or that XML 1.0 may not carry: such values take the slow, checked path. */
// eslint-disable-next-line no-control-regex
const NOT_PLAIN = /[&<>"\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** The field ids of `message` to write, in ascending numeric order (integer keys come out so already). */
function fieldIds(message: IsoMessage, path: string, depth: number, problems: FieldProblem[]): string[] {
  const ids: string[] = [];
  let previous = -1;
  let ascending = true;
  for (const id of Object.keys(message)) {
    if (depth > 0 && id === 'header') continue;
    if (!FIELD_ID.test(id)) {
      problems.push({ field: path + safeName(id), code: 'ISO8583_ERR_FIELD_ID', reason: 'not a field number' });
      continue;
    }
    if (id === '1' && depth === 0) continue;
    const n = Number(id);
    if (n < previous) ascending = false;
    previous = n;
    ids.push(id);
  }
  return ascending ? ids : ids.sort(byNumber);
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
    const value = message[id] as unknown;
    if (typeof value === 'string' && !NOT_PLAIN.test(value) && !(options.emv === true && depth === 0 && id === '55')) {
      out += `${indent}<field id="${id}">${value}</field>${nl}`;
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
 * that is not text, characters that XML 1.0 cannot carry).
 */
export function toXml(message: IsoMessage, options: XmlOptions = {}): string {
  if (message === null || typeof message !== 'object' || Array.isArray(message)) {
    throw codecError('ISO8583_ERR_OPTION', 'the message must be an object keyed by field number', { field: 'message' });
  }
  const nl = options.pretty === false ? '' : '\n';
  const step = options.pretty === false ? '' : '  ';
  let out = `<ISOMessage>${nl}`;
  if (options.header !== undefined && options.header.length > 0) {
    out += `${step}<header>${Buffer.from(options.header).toString('base64')}</header>${nl}`;
  }
  out += `${step}<data>${nl}`;
  const problems: FieldProblem[] = [];
  out += writeFields(message, '', 0, options, step + step, problems);
  if (problems.length > 0) throw invalidMessage(problems, 'message for XML');
  return `${out}${step}</data>${nl}</ISOMessage>`;
}
