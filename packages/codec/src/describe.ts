import type { Dialect, FieldSpec, IsoMessage, Sensitivity } from './types.js';
import { resolveDialect } from './dialect/resolve.js';
import { parseTlv } from './emv/tlv.js';
import type { TlvItem } from './emv/tlv.js';
import { EMV_TAG_NAMES } from './emv/tag-names.js';
import { describableTlv } from './emv/describable.js';
import { isSubfieldObject, maskFieldValue, maskKey, sensitiveFields } from './mask.js';
import { messageArgument } from './arguments.js';

/** The name shown for field 0. */
const MTI_NAME = 'MESSAGE TYPE INDICATOR';

/**
 * Control characters (C0, DEL, C1) written as `\xNN` and the Unicode line and paragraph separators as `\uNNNN`, so that
 * one field stays on one line and a value runs no escape sequence on a terminal (`\x9B` is CSI, `\x85` NEL, a new
 * line to some readers): a peer's bytes `9B` or `85` decode to them in an ASCII field.
 */
function printable(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\x00-\x1f\x7f-\x9f\u2028\u2029]/g, (c) => {
    const code = c.charCodeAt(0);
    return code > 0xff ? `\\u${code.toString(16).toUpperCase()}` : `\\x${code.toString(16).padStart(2, '0').toUpperCase()}`;
  });
}

function byFieldNumber(a: string, b: string): number {
  const na = Number(a);
  const nb = Number(b);
  if (Number.isNaN(na) || Number.isNaN(nb)) return Number.isNaN(na) ? (Number.isNaN(nb) ? a.localeCompare(b) : -1) : 1;
  return na - nb;
}

/**
 * The lines of EMV data `value` (field 55), one per data object with its tag, name and size, appended to `lines`; false
 * when the data is not shown by tag (`describableTlv`: after a wrong length a "tag" may be PAN digits).
 */
function emvLines(value: string, id: string, lines: string[], depth = 0): boolean {
  const items = describableTlv(value);
  if (items === undefined) return false;
  const walk = (list: TlvItem[], indent: string): void => {
    for (const item of list) {
      const name = EMV_TAG_NAMES[item.tag] ?? 'tag';
      const size = item.value.length / 2;
      lines.push(`${indent}${id}.${item.tag} ${name}: [${size} byte${size === 1 ? '' : 's'} hidden]`);
      if (item.children !== undefined) walk(item.children, `${indent}  `);
    }
  };
  walk(items, '  '.repeat(depth + 1));
  return true;
}

/** Whether `value` reads as BER-TLV at all (the line of data not shown by tag says which). */
function isTlv(value: string): boolean {
  try {
    parseTlv(value);
    return true;
  } catch {
    return false;
  }
}

function describeInto(
  message: IsoMessage,
  fields: Record<string, FieldSpec> | undefined,
  sensitive: ReadonlyMap<string, Sensitivity>,
  prefix: string,
  shownPrefix: string,
  lines: string[],
  depth: number,
): void {
  const indent = '  '.repeat(depth);
  for (const id of Object.keys(message).sort(byFieldNumber)) {
    if (id === '1' && depth === 0) continue;
    const given: unknown = message[id];
    const value = typeof given === 'number' || typeof given === 'bigint' ? String(given) : given;
    const path = prefix + id;
    const shownPath = shownPrefix + printable(maskKey(id));
    const spec = fields?.[id];
    const name = depth === 0 && id === '0' ? MTI_NAME : id === 'header' ? 'HEADER' : (spec?.name ?? 'NOT IN DIALECT');
    const sensitivity = sensitive.get(path);
    const label = `${indent}${shownPath.padEnd(depth === 0 ? 3 : 0)} ${name}`;
    if (typeof value !== 'string') {
      if (sensitivity !== undefined || !isSubfieldObject(value)) {
        lines.push(`${label}: [hidden]`);
        continue;
      }
      lines.push(`${label}:`);
      describeInto(value, spec?.subfields?.fields, sensitive, `${path}.`, `${shownPath}.`, lines, depth + 1);
      continue;
    }
    if (sensitivity === 'emv') {
      const tagLines: string[] = [];
      if (emvLines(value, shownPath, tagLines, depth)) {
        lines.push(`${label}: ${tagLines.length} data object${tagLines.length === 1 ? '' : 's'}`, ...tagLines);
      } else {
        lines.push(`${label}: [${Math.floor(value.length / 2)} bytes hidden${isTlv(value) ? '' : ', not valid TLV'}]`);
      }
      continue;
    }
    lines.push(`${label}: ${printable(maskFieldValue(value, sensitivity, spec))}`);
  }
}

/**
 * One line per field, in field-number order: the number, its name from the dialect (default `iso87ascii`) and the
 * value, with card data masked. The PAN shows its first 6 and last 4 digits; track data its masked PAN and the
 * separator, the rest as stars; PIN data, CVV and other secrets as stars; EMV data (field 55) one line per tag
 * with the tag's name and size, values hidden, when the data reads without doubt (it round-trips through BER-TLV,
 * every one-byte tag is a known EMV tag, known tags have the lengths EMV gives them), else `[N bytes hidden]`: after a
 * wrong length a "tag" would be value bytes such as PAN digits. Sensitive fields come from `FieldSpec.sensitive`, and for the fields
 * the dialect does not mark, `DEFAULT_SENSITIVE_FIELDS` (2, 34, 35, 36, 45, 52, 53, 55). Any other field that is not
 * numeric shows its PAN-shaped digit runs masked as a PAN (`maskDigitRuns`: a card number in a private field such as
 * 48). A composite field lists its sub-fields indented, as `127.2`; a value that is neither text, a number nor an
 * object of sub-fields (a `Buffer`, an array, `null`) shows `[hidden]`. Throws `ISO8583_ERR_OPTION` when `message` is not
 * an object.
 */
export function describe(message: IsoMessage, dialect: Dialect | string = 'iso87ascii'): string {
  messageArgument(message);
  const resolved = resolveDialect(dialect);
  const lines: string[] = [];
  describeInto(message, resolved.fields, sensitiveFields(resolved), '', '', lines, 0);
  return lines.join('\n');
}
