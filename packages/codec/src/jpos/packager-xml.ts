import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { BitmapSpec, CompositeSpec, Dialect, FieldSpec, Sensitivity } from '../types.js';
import type { FieldProblem } from '../errors.js';
import { codecError } from '../errors.js';
import { dialectProblems } from '../dialect/check.js';
import type { ClassShape } from './field-classes.js';
import { describeClass, shortClassName } from './field-classes.js';
import { jposFirstField } from './first-field.js';
import { classError, readBoolean, readInteger, xmlError } from './attributes.js';
import { messageFirstField } from './message-attributes.js';

/**
 * jPOS GenericPackager XML import. A packager file is an `isopackager` element holding one `isofield` per data element
 * (`id`, `length`, `name`, `class`, optional `pad`) and `isofieldpackager` elements for composite fields, whose
 * children describe the sub-fields and whose `packager` attribute says how they are laid out: GenericSubFieldPackager
 * or a nested GenericPackager (the first extends the second), both with the attributes `emitBitmap` (default true: a
 * sub-field bitmap travels), `bitmapField` (default 1: the sub-field element that describes it) and `headerLength`.
 */

/** One `isofield` or `isofieldpackager` element as read from the XML. */
interface RawField {
  attributes: Record<string, string>;
  children: RawField[];
  composite: boolean;
}

/** A field after its attributes are checked. */
interface PackagerField {
  id: number;
  /** The field's path for errors: `"48"`, `"127.2"`. */
  path: string;
  length: number;
  name: string;
  className: string;
  pad: boolean;
  raw: RawField;
}

const ATTR = '@_';

/** Card data that the 1987 data elements carry, by field number, for masking. */
const SENSITIVE_ELEMENTS: Readonly<Record<string, Sensitivity>> = {
  '2': 'pan',
  '34': 'pan',
  '35': 'track',
  '36': 'track',
  '45': 'track',
  '52': 'pin',
  '55': 'emv',
};

/** Track 2 and track 3 travel in jPOS with numeric classes although they carry the `=` separator (type `z`). */
const TRACK_ELEMENTS = new Set(['35', '36']);

const PARSER = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: ATTR,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (tag) => tag === 'isofield' || tag === 'isofieldpackager',
});

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The attributes (as strings) and the child field elements of one parsed element. */
function readElement(node: unknown, composite: boolean): RawField {
  const attributes: Record<string, string> = {};
  const children: RawField[] = [];
  if (isRecord(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith(ATTR) && typeof value === 'string') attributes[key.slice(ATTR.length)] = value;
    }
    children.push(...readChildren(node));
  }
  return { attributes, children, composite };
}

function readChildren(node: Record<string, unknown>): RawField[] {
  const out: RawField[] = [];
  for (const [tag, composite] of [['isofield', false], ['isofieldpackager', true]] as const) {
    const list = node[tag];
    if (Array.isArray(list)) for (const item of list) out.push(readElement(item, composite));
  }
  return out;
}

/** Checks the attributes of every field of one packager level and indexes them by id. */
function readFields(packager: string, raws: RawField[], parentPath: string): Map<number, PackagerField> {
  const fields = new Map<number, PackagerField>();
  for (const raw of raws) {
    const a = raw.attributes;
    const where = parentPath === '' ? undefined : parentPath;
    const id = readInteger(packager, a.id, 'id', where);
    if (id === undefined) xmlError(packager, 'a field element has no id attribute', where);
    const path = parentPath === '' ? String(id) : `${parentPath}.${id}`;
    if (fields.has(id)) xmlError(packager, 'the field is defined twice', path);
    const length = readInteger(packager, a.length, 'length', path);
    if (length === undefined) xmlError(packager, 'the field has no length attribute', path);
    const className = a.class;
    if (className === undefined || className.trim() === '') xmlError(packager, 'the field has no class attribute', path);
    fields.set(id, {
      id,
      path,
      length,
      name: (a.name ?? '').trim(),
      className,
      pad: (a.pad ?? '').trim().toLowerCase() === 'true',
      raw,
    });
  }
  return fields;
}

function describe(packager: string, f: PackagerField): ClassShape {
  const shape = describeClass(f.className, f.length, f.pad);
  if (shape === undefined) classError(packager, f.path, f.className, 'is not a jPOS field packager class the importer knows');
  return shape;
}

/** Masking by the name a packager gives a field (sub-fields have no standard number to go by). */
function sensitivityByName(name: string): Sensitivity | undefined {
  const n = name.toUpperCase();
  if (/\bPIN\b/.test(n) && /\b(BLOCK|DATA)\b/.test(n)) return 'pin';
  if (/\b(CVV2?|CVC2?)\b/.test(n) && (/\bVALUE\b/.test(n) || /^(CVV2?|CVC2?)$/.test(n.trim()))) return 'cvv';
  if (/\bTRACK\b/.test(n)) return 'track';
  if (/\b(ICC|EMV)\b/.test(n)) return 'emv';
  if (/\bPRIMARY ACCOUNT NUMBER\b|\bPAN\b/.test(n)) return 'pan';
  return undefined;
}

function bitmapSpec(encoding: BitmapSpec['encoding'], bytes: number, composite: boolean): BitmapSpec {
  const spec: BitmapSpec = { encoding };
  if (composite && bytes >= 1 && bytes <= 8) spec.length = bytes;
  if (bytes > 16) spec.tertiary = true;
  return spec;
}

/** The data element (or sub-field) `f`, composite ones included. */
function fieldSpec(packager: string, f: PackagerField, topLevel: boolean): FieldSpec {
  const shape = describe(packager, f);
  if (shape.kind !== 'field') classError(packager, f.path, f.className, 'is a bitmap where a data element is expected');
  const key = String(f.id);
  const spec: FieldSpec = { name: f.name, ...shape.spec };
  if (spec.prefix !== undefined) spec.prefix = { ...spec.prefix };
  const track = topLevel ? TRACK_ELEMENTS.has(key) : /\bTRACK [23]\b/i.test(f.name);
  if (track && spec.type === 'n') spec.type = 'z';
  if (f.raw.composite) {
    spec.subfields = compositeSpec(packager, f);
  } else {
    // Data elements: the standard's numbers say which carry card data; sub-fields have only their names to go by.
    const sensitive = topLevel ? SENSITIVE_ELEMENTS[key] : sensitivityByName(f.name);
    if (sensitive !== undefined) spec.sensitive = sensitive;
  }
  return spec;
}

/**
 * The layout of a composite field from its `isofieldpackager` element. Both packager classes are GenericPackagers:
 * with `emitBitmap` true (the default) the sub-field named by `bitmapField` (default 1) must be a bitmap class, and
 * it is the sub-field bitmap (`GenericPackager.getBitMapfieldPackager()` is `fld[bitmapField]`); with
 * `emitBitmap="false"` the layout is positional, sent up to the last sub-field present (`omitTrailingAbsent`, as
 * GenericSubFieldPackager.pack). The loops of both start at `firstField` (`first-field.ts`): sub-fields below it are
 * dropped (a bitmap class at sub-field 1 makes it 2) and beside a bitmap their bits ignored (`bitmap.firstField`),
 * but for a nested GenericPackager's sub-field 0, which ISOBasePackager reads first as an MTI. A zero-length
 * sub-field 0 is a placeholder (the slot of an MTI) and carries nothing; any other sub-field is data, and the dialect
 * check refuses those a bitmap cannot mark (see `bitmapReserved`). With a 24-byte bitmap, bit 65 announces the
 * tertiary bitmap: ISOBasePackager skips field 65, GenericSubFieldPackager reads a data sub-field 65 there
 * (`bitmap.tertiaryField65`).
 */
function compositeSpec(packager: string, outer: PackagerField): CompositeSpec {
  const a = outer.raw.attributes;
  const packagerClass = (a.packager ?? '').trim();
  const kind = shortClassName(packagerClass);
  if (kind !== 'GenericSubFieldPackager' && kind !== 'GenericPackager') {
    classError(packager, outer.path, packagerClass, 'is not a sub-field packager the importer knows');
  }
  const subs = readFields(packager, outer.raw.children, outer.path);
  const emit = readBoolean(packager, a.emitBitmap, 'emitBitmap', true, outer.path);
  const bitmapAt = readInteger(packager, a.bitmapField, 'bitmapField', outer.path) ?? 1;

  const one = subs.get(1);
  const first = jposFirstField(
    { ids: subs.keys(), zeroComposite: subs.get(0)?.raw.composite === true, oneBitmap: one !== undefined && describe(packager, one).kind === 'bitmap' },
    readInteger(packager, a.firstField, 'firstField', outer.path),
  );
  const composite: CompositeSpec = { fields: {} };
  let bitmapField: number | undefined;
  if (emit) {
    const why = `emitBitmap is true${a.emitBitmap === undefined ? ' (the default)' : ''} and bitmapField${
      a.bitmapField === undefined ? ' (default 1)' : ''
    } names sub-field ${bitmapAt}`;
    const b = subs.get(bitmapAt);
    if (b === undefined) xmlError(packager, `${why}, which is not defined`, outer.path);
    const shape = describe(packager, b);
    if (shape.kind !== 'bitmap') classError(packager, b.path, b.className, `is not a bitmap class, but ${why}`);
    composite.bitmap = bitmapSpec(shape.encoding, b.length, true);
    bitmapField = bitmapAt;
    // jPOS's loop starts at `first`: set bits below it are ignored (bit 1 beside a bitmap at sub-field 1, say).
    if (first > (composite.bitmap.length !== undefined ? 1 : 2)) composite.bitmap.firstField = first;
    // With 24 bytes, bit 65 announces the tertiary bitmap. ISOBasePackager's unpack skips field 65 then;
    // GenericSubFieldPackager's reads a sub-field 65 defined with a data class at bit 65 like any other.
    const f65 = subs.get(65);
    if (composite.bitmap.tertiary === true && kind === 'GenericSubFieldPackager' && f65 !== undefined && describe(packager, f65).kind === 'field') {
      composite.bitmap.tertiaryField65 = true;
    }
  } else if (hasPrefix(packager, outer)) {
    // GenericSubFieldPackager.pack runs to the highest sub-field present, so trailing absent ones are not sent (an
    // ISOBasePackager omits absent ones anywhere, and its unpack then misreads them: docs/dialects.md). Inside a
    // fixed-length field every sub-field still travels: jPOS would pad the shortened contents with the outer class's
    // padding, which its own unpack then reads as the leading sub-fields.
    composite.omitTrailingAbsent = true;
  }
  // ISOBasePackager (a nested GenericPackager) sends the header bytes; GenericSubFieldPackager's own pack and unpack
  // never do, so there the attribute changes nothing on the wire.
  const headerLength = readInteger(packager, a.headerLength, 'headerLength', outer.path);
  if (kind === 'GenericPackager' && headerLength !== undefined && headerLength > 0) composite.headerLength = headerLength;

  for (const sub of [...subs.values()].sort((x, y) => x.id - y.id)) {
    if (sub.id === bitmapField) continue;
    if (sub.id === 0 && sub.length === 0) continue;
    if (sub.id === 65 && composite.bitmap?.tertiary === true && composite.bitmap.tertiaryField65 !== true) continue;
    if (nestedMti(kind, sub, packager)) {
      if (first === 0 && !emit) {
        xmlError(packager, 'firstField 0 without a bitmap: jPOS reads sub-field 0 twice but packs it once', sub.path);
      }
    } else if (sub.id < first) {
      continue;
    }
    composite.fields[String(sub.id)] = fieldSpec(packager, sub, false);
  }
  return composite;
}

/** Whether the class of `f` has a length prefix (a variable-length field). */
function hasPrefix(packager: string, f: PackagerField): boolean {
  const shape = describe(packager, f);
  return shape.kind === 'field' && shape.spec.prefix !== undefined;
}

/**
 * Whether `sub` is the MTI of a nested message: ISOBasePackager (a nested GenericPackager) reads a field 0 that is no
 * bitmap before everything else, whatever `firstField` says, and packs it first when `firstField` is over 0. Beside a
 * bitmap the dialect rule then refuses it (no bit marks it); without one it is the first positional sub-field. With
 * `firstField` 0 and no bitmap, jPOS reads it twice (before its loop and in it) but packs it once: refused.
 */
function nestedMti(kind: string, sub: PackagerField, packager: string): boolean {
  return kind === 'GenericPackager' && sub.id === 0 && describe(packager, sub).kind !== 'bitmap';
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
 * marked for masking. `IFE_` text is EBCDIC code page 1047 (encoding `ebcdic`), as jPOS packs it.
 *
 * @param xml - the packager document (the text of e.g. `iso87ascii.xml`).
 * @param name - the name of the dialect made. Default `"packager"`.
 * @throws `ISO8583_ERR_PACKAGER_XML` when the document is not well-formed or not readable (with the parser's reason:
 *   an external entity, an entity over its size limit), is not an `isopackager`, or describes what jPOS refuses at load
 *   or cannot pack (a maximum length over its length prefix, a sub-field a bitmap cannot mark, an `emitBitmap` or
 *   `bitmapField` that names no bitmap), naming the field where one is concerned; `ISO8583_ERR_PACKAGER_CLASS` naming
 *   the field and the class when a class is unknown or in the wrong place.
 */
export function dialectFromPackagerXml(xml: string, name = 'packager'): Dialect {
  if (typeof xml !== 'string') xmlError(name, 'the packager document must be a string');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    xmlError(name, `not well-formed XML (${valid.err.code} at line ${valid.err.line}, column ${valid.err.col})`);
  }
  let doc: unknown;
  try {
    doc = PARSER.parse(xml);
  } catch (cause) {
    // The parser's reason (an external entity, an entity over its size limit) is about the document, never data.
    const reason = cause instanceof Error ? cause.message.slice(0, 200) : 'the parser failed';
    throw codecError('ISO8583_ERR_PACKAGER_XML', `packager ${JSON.stringify(name)}: not readable XML: ${reason}`, { cause });
  }
  const root = isRecord(doc) ? doc.isopackager : undefined;
  if (root === undefined) xmlError(name, 'the document has no isopackager element');
  const top = readElement(root, false);
  const fields = readFields(name, top.children, '');

  const mti = fields.get(0);
  if (mti === undefined) xmlError(name, 'field 0 (the MTI) is not defined', '0');
  const bitmapField = fields.get(1);
  if (bitmapField === undefined) xmlError(name, 'field 1 (the bitmap) is not defined', '1');
  const bitmapShape = describe(name, bitmapField);
  if (bitmapShape.kind !== 'bitmap') classError(name, '1', bitmapField.className, 'is not a bitmap class');
  const bitmap = bitmapSpec(bitmapShape.encoding, bitmapField.length, false);
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
  refuseProblems(name, dialectProblems(dialect));
  return dialect;
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
  return { field: ids.join('.'), what: parts.slice(i).join('.') };
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
