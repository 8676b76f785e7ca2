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
    if (typeof header === 'string' && HEX_BYTES.test(header)) {
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
