import { XMLParser, XMLValidator } from '../views/fast-xml-parser.js';
import type { Dialect, FieldSpec, Sensitivity } from '../types.js';
import type { FieldProblem } from '../errors.js';
import { codecError } from '../errors.js';
import { COMPOSITE_UNCARRIED, dialectProblems } from '../dialect/check.js';
import { bitmapSpec } from './field-classes.js';
import { classError, readInteger, xmlError } from './attributes.js';
import { messageFirstField } from './message-attributes.js';
import type { PackagerField } from './elements.js';
import { ATTR, readPackagerDocument } from './packager-tree.js';
import { refuseUnreadableText, refuseUnreadDoctype } from './packager-text.js';
import { describe, readFields } from './elements.js';
import { compositeSpec } from './composite.js';
import { sensitivityByName } from './card-data-names.js';
import { iccDataField, isIccData } from './icc-data.js';
import { ISO8583_1987 } from '../dialect/iso8583-1987.js';

/**
 * jPOS GenericPackager XML import. A packager file is an `isopackager` element holding one `isofield` per data element
 * (`id`, `length`, `name`, `class`, optional `pad`) and `isofieldpackager` elements for composite fields, whose
 * children describe the sub-fields and whose `packager` attribute says how they are laid out: GenericSubFieldPackager
 * or a nested GenericPackager (the first extends the second), both with the attributes `emitBitmap` (default true: a
 * sub-field bitmap travels), `bitmapField` (default 1: the sub-field element that describes it) and `headerLength`,
 * or Base1SubFieldPackager (`composite.ts`, `base1.ts`); an ICCDataPackager field is raw BER-TLV, a binary field of
 * its class (`icc-data.ts`). The field elements are read by `elements.ts`, their attributes checked by
 * `field-attributes.ts`.
 */

/** Card data that the 1987 data elements carry, by field number, for masking: the marks of the standard's table. */
const SENSITIVE_ELEMENTS: ReadonlyMap<string, Sensitivity> = new Map(
  ISO8583_1987.flatMap(([id, , , , , sensitive]) => (sensitive === undefined ? [] : [[String(id), sensitive] as const])),
);

/** Track 2 and track 3 travel in jPOS with numeric classes although they carry the `=` separator (type `z`). */
const TRACK_ELEMENTS = new Set(['35', '36']);

const PARSER = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseAttributeValue: false,
  parseTagValue: false,
  // Character references (`&#x4C;`) decoded, as XML does; the named ones beyond XML's five are refused first.
  htmlEntities: true,
  isArray: (tag) => tag === 'isofield' || tag === 'isofieldpackager',
});

/** The data element (or sub-field) `f`, composite ones included. */
function fieldSpec(packager: string, f: PackagerField, topLevel: boolean): FieldSpec {
  if (isIccData(f)) return { name: f.name, ...iccDataField(packager, f) };
  const shape = describe(packager, f);
  if (shape.kind !== 'field') classError(packager, f.path, f.className, 'is a bitmap where a data element is expected');
  const key = String(f.id);
  const spec: FieldSpec = { name: f.name, ...shape.spec };
  if (spec.prefix !== undefined) spec.prefix = { ...spec.prefix };
  const track = topLevel ? TRACK_ELEMENTS.has(key) : /\bTRACK [23]\b/i.test(f.name);
  if (track && spec.type === 'n') spec.type = 'z';
  if (f.raw.composite) {
    if (COMPOSITE_UNCARRIED.has(spec.encoding)) {
      // jPOS hands the sub-fields' bytes to the outer class, which packs them as BCD digits or converts them to
      // EBCDIC: a composite here carries them as they are, so such a packager would put other bytes on the wire.
      const how = spec.encoding === 'bcd' ? 'packs its contents as BCD digits' : 'converts its contents to EBCDIC';
      classError(packager, f.path, f.className, `${how}: a composite field (isofieldpackager) in it is not supported`);
    }
    spec.subfields = compositeSpec(packager, f, (sub) => fieldSpec(packager, sub, false));
  }
  // Data elements: the standard's numbers say which carry card data, and the name where they leave one unmarked (a
  // private 62 "CVV2 VALUE"); sub-fields have only their names to go by. A composite is marked as a plain field is (a
  // 62 "CVV2 DATA" whose sub-fields are "VALUE"...): masks then hide it whole, and the card-data lists count it.
  const sensitive = (topLevel ? SENSITIVE_ELEMENTS.get(key) : undefined) ?? sensitivityByName(f.name);
  if (sensitive !== undefined) spec.sensitive = sensitive;
  return spec;
}

function mtiEncoding(packager: string, f: PackagerField): Dialect['mti']['encoding'] {
  const shape = describe(packager, f);
  if (shape.kind === 'field' && shape.spec.type === 'n' && shape.spec.prefix === undefined && f.length === 4) {
    const encoding = shape.spec.encoding;
    if (encoding === 'ascii' || encoding === 'ebcdic' || encoding === 'bcd') return encoding;
  }
  return classError(packager, '0', f.className, 'cannot carry the MTI (four fixed digits)');
}

/**
 * Imports a jPOS GenericPackager XML document as a dialect: every `isofield` class maps to the same wire format as
 * in jPOS (see `docs/dialects.md`, "jPOS GenericPackager import"). Field names come from the file; the data-element
 * type follows from the class (`n` for numeric classes, `ans` for character classes, `b` for binary classes, `xn` for
 * amounts, `z` for the track 2 and track 3 elements 35 and 36), and the card data elements of the standard are
 * marked for masking. `IFE_` text is EBCDIC code page 1047 (encoding `ebcdic`), as jPOS packs it. The dialect's
 * `version` is `1993` when the packager lays out the 1993 elements a 1993 exchange needs (field 25 as 4 fixed digits,
 * field 56 as numeric up to 35 digits, as jPOS's 1993 packagers do), `1987` otherwise; the approval codes follow field
 * 39 (`approvalCodesOf`: `000` when it has 3 fixed characters). A JSON dialect that `extends` the `.xml` file sets
 * either, or anything else a packager cannot say.
 *
 * @param xml - the packager document (the text of e.g. `iso87ascii.xml`).
 * @param name - the name of the dialect made. Default `"packager"`.
 * @throws `ISO8583_ERR_PACKAGER_XML` when the document is over 1 MiB (1,048,576 characters) or UTF-16, is not
 *   well-formed or not readable (with the parser's reason: an entity over its size limit, nesting too deep), has a
 *   DOCTYPE declaration other than a plain-text internal entity or a reference to an undeclared entity
 *   (`packager-text.ts`), holds an element, text or attribute jPOS's genericpackager.dtd does not allow where it stands
 *   (`packager-tree.ts`), is not an `isopackager`, describes what jPOS refuses at load
 *   or cannot pack (a maximum length over its length prefix, a sub-field a bitmap cannot mark, an `emitBitmap` or
 *   `bitmapField` that names no bitmap), or sets a field attribute that changes jPOS's bytes in a way no dialect field
 *   describes (`trim="true"`, `inclusive="true"`, `params`, `encoding`), naming the field where one is concerned;
 *   `ISO8583_ERR_PACKAGER_CLASS` naming the field and the class when a class is unknown or in the wrong place (a
 *   composite in a BCD or EBCDIC class, whose contents jPOS converts and this codec carries as they are; a
 *   `DatasetPackager`, an `ICCDataPackager` around a class that is no `BINARY` one).
 */
export function dialectFromPackagerXml(xml: string, name = 'packager'): Dialect {
  if (typeof xml !== 'string') xmlError(name, 'the packager document must be a string');
  refuseUnreadableText(name, xml);
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const column = typeof valid.err.col === 'number' ? `, column ${valid.err.col}` : '';
    xmlError(name, `not well-formed XML (${valid.err.code} at line ${valid.err.line}${column})`);
  }
  const entities = refuseUnreadDoctype(name, xml);
  let doc: unknown;
  try {
    doc = PARSER.parse(xml);
  } catch (cause) {
    // The parser's reason (an external entity, an entity over its size limit) is about the document, never data.
    const reason = cause instanceof Error ? cause.message.slice(0, 200) : 'the parser failed';
    throw codecError('ISO8583_ERR_PACKAGER_XML', `packager ${JSON.stringify(name)}: not readable XML: ${reason}`, { cause });
  }
  const top = readPackagerDocument(name, doc, entities);
  const fields = readFields(name, top.children, '');

  const mti = fields.get(0);
  if (mti === undefined) xmlError(name, 'field 0 (the MTI) is not defined', '0');
  const bitmapField = fields.get(1);
  if (bitmapField === undefined) xmlError(name, 'field 1 (the bitmap) is not defined', '1');
  const bitmapShape = describe(name, bitmapField);
  if (bitmapShape.kind !== 'bitmap') classError(name, '1', bitmapField.className, 'is not a bitmap class');
  if (bitmapShape.bytes !== undefined) classError(name, '1', bitmapField.className, 'is a sub-field bitmap (bit 1 marks field 1, never a secondary bitmap)');
  // jPOS reads a message bitmap of `length` bytes at most: under 16 no secondary bitmap (bit 1 set is ignored and
  // fields 65 up never read), 17 to 23 a tertiary bitmap cut short. Here bit 1 always announces a secondary bitmap.
  if (bitmapField.length < 16 || (bitmapField.length > 16 && bitmapField.length < 24)) {
    xmlError(name, `field 1 (the message bitmap) has length ${bitmapField.length}: jPOS then reads ${bitmapField.length < 16 ? 'no secondary bitmap' : 'a tertiary bitmap cut short'}; only 16 (primary and secondary) or 24 (and tertiary) import as jPOS reads them`, '1');
  }
  const bitmap = bitmapSpec(bitmapShape, bitmapField.length, false);
  const maxField = bitmap.tertiary === true ? 192 : 128;

  const dialect: Dialect = {
    name,
    description: `imported from a jPOS GenericPackager XML file`,
    mti: { encoding: mtiEncoding(name, mti) },
    bitmap,
    fields: {},
  };
  const headerLength = readInteger(name, top.attributes.headerLength, 'headerLength');
  if (headerLength !== undefined && headerLength > 0) dialect.headerLength = headerLength;
  const first = messageFirstField(name, top.attributes, fields.keys(), maxField);
  if (first > 2) bitmap.firstField = first;

  for (const f of [...fields.values()].sort((x, y) => x.id - y.id)) {
    if (f.id < first) continue;
    if (f.id > maxField) xmlError(name, `field number over ${maxField}`, f.path);
    // With a tertiary bitmap, bit 65 announces it: jPOS skips field 65 on unpack in that case.
    if (f.id === 65 && bitmap.tertiary === true) continue;
    dialect.fields[String(f.id)] = fieldSpec(name, f, true);
  }
  if (isLayout1993(dialect)) dialect.version = '1993';
  refuseProblems(name, dialectProblems(dialect));
  return dialect;
}

/**
 * Whether an imported packager lays out the ISO 8583:1993 data elements that a 1993 exchange (its reversal above all)
 * needs and that no 1987 layout has: field 25 the message reason code (4 fixed digits; 1987: the POS condition code, 2)
 * and field 56 the original data elements (numeric, variable, up to 35 digits; 1987: reserved, `ans ..999`). Both,
 * as jPOS's `iso93ascii.xml`, `iso93binary.xml` and EBCDIC 1993 packagers have them: a 3-digit field 39 alone does not
 * say 1993 (SmartVista's 1987 layout has one).
 */
function isLayout1993(dialect: Dialect): boolean {
  const reason = dialect.fields['25'];
  const original = dialect.fields['56'];
  return (
    reason !== undefined && reason.type === 'n' && reason.length === 4 && reason.prefix === undefined &&
    original !== undefined && original.type === 'n' && original.length === 35 && original.prefix !== undefined
  );
}

/** `fields.127.subfields.fields.2.length` -> `127.2` (the field of a dialect path) and `length` (what of it). */
function packagerPath(path: string): { field: string; what: string } {
  const parts = path.split('.');
  const ids: string[] = [];
  let i = 0;
  while (parts[i] === 'fields' && i + 1 < parts.length) {
    ids.push(parts[i + 1]!);
    i += parts[i + 2] === 'subfields' ? 3 : 2;
  }
  return ids.length > 0 ? { field: ids.join('.'), what: parts.slice(i).join('.') } : { field: path, what: '' };
}

/**
 * The semantic rules of every dialect (`dialectProblems`) applied at import, as jPOS refuses at load what it cannot
 * pack (a maximum length over what the length prefix carries, a sub-field where a bitmap has no bit for it): the first
 * problem names its field, `problems` holds them all.
 */
function refuseProblems(name: string, problems: FieldProblem[]): void {
  if (problems.length === 0) return;
  const mapped = problems.map((p) => {
    const { field, what } = packagerPath(p.field);
    return { field, code: 'ISO8583_ERR_PACKAGER_XML', reason: what === '' ? p.reason : `${what}: ${p.reason}` };
  });
  const first = mapped[0]!;
  const more = mapped.length > 1 ? ` (and ${mapped.length - 1} more problems)` : '';
  throw codecError('ISO8583_ERR_PACKAGER_XML', `packager ${JSON.stringify(name)}: ${first.reason}${more}`, {
    field: first.field,
    problems: mapped,
  });
}
