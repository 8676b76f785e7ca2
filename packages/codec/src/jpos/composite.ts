import type { CompositeSpec, FieldSpec } from '../types.js';
import { bitmapSpec, shortClassName } from './field-classes.js';
import { jposFirstField } from './first-field.js';
import { classError, readBoolean, readInteger, readJavaInt, xmlError } from './attributes.js';
import type { PackagerField } from './elements.js';
import { describe, hasPrefix, readFields } from './elements.js';
import { base1Composite } from './base1.js';

/**
 * The layout of a composite field from its `isofieldpackager` element, for the three sub-field packagers jPOS ships
 * that a GenericPackager file names: GenericSubFieldPackager and a nested GenericPackager (the first extends the
 * second: both read the `emitBitmap`, `bitmapField`, `firstField` and `headerLength` attributes), and
 * Base1SubFieldPackager (`base1.ts`, which reads none of them).
 */

/** Makes the dialect field of a sub-field (the importer's `fieldSpec`, passed in to keep the modules acyclic). */
export type SubFieldSpec = (f: PackagerField) => FieldSpec;

/**
 * With `emitBitmap` true (the default) the sub-field named by `bitmapField` (default 1) must be a bitmap class, and
 * it is the sub-field bitmap (`GenericPackager.getBitMapfieldPackager()` is `fld[bitmapField]`); with
 * `emitBitmap="false"` the layout is positional. GenericSubFieldPackager's pack then runs to the highest sub-field
 * present, so trailing absent ones are not sent (`omitTrailingAbsent`) and its unpack stops where the bytes end; a
 * nested GenericPackager (ISOBasePackager) reads every defined sub-field, so there every sub-field travels. The
 * loops of both start at `firstField` (`first-field.ts`): sub-fields below it are dropped (a bitmap class at
 * sub-field 1 makes it 2) and beside a bitmap their bits ignored (`bitmap.firstField`), but for a nested
 * GenericPackager's sub-field 0, which ISOBasePackager reads first as an MTI. A zero-length sub-field 0 is a
 * placeholder (the slot of an MTI) and carries nothing; any other sub-field is data, and the dialect check refuses
 * those a bitmap cannot mark. With a 24-byte bitmap, bit 65 announces the tertiary bitmap: ISOBasePackager skips
 * field 65, GenericSubFieldPackager reads a data sub-field 65 there (`bitmap.tertiaryField65`).
 */
export function compositeSpec(packager: string, outer: PackagerField, subField: SubFieldSpec): CompositeSpec {
  const a = outer.raw.attributes;
  const packagerClass = (a.packager ?? '').trim();
  const kind = shortClassName(packagerClass);
  const subs = readFields(packager, outer.raw.children, outer.path);
  if (kind === 'Base1SubFieldPackager' && knownPackage(packagerClass)) return base1Composite(packager, outer, subs, subField);
  if ((kind !== 'GenericSubFieldPackager' && kind !== 'GenericPackager') || !knownPackage(packagerClass)) {
    classError(packager, outer.path, packagerClass, 'is not a sub-field packager the importer knows');
  }
  const emit = readBoolean(packager, a.emitBitmap, 'emitBitmap', true, outer.path);
  const bitmapAt = readInteger(packager, a.bitmapField, 'bitmapField', outer.path) ?? 1;
  const explicitFirst = readInteger(packager, a.firstField, 'firstField', outer.path);
  // Parsed as jPOS's GenericPackager parses it (Integer.parseInt: a value that is not an int fails the packager), then
  // never consulted.
  readJavaInt(packager, a.maxValidField, 'maxValidField', outer.path);

  const one = subs.get(1);
  const first = jposFirstField(
    { ids: subs.keys(), zeroComposite: subs.get(0)?.raw.composite === true, oneBitmap: one !== undefined && describe(packager, one).kind === 'bitmap' },
    explicitFirst,
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
    composite.bitmap = bitmapSpec(shape, b.length, true);
    bitmapField = bitmapAt;
    if (composite.bitmap.length === undefined && bitmapAt === 1 && first < 2) {
      // Both loops would visit sub-field 1 and find its bit set whenever a secondary bitmap travels: they then read
      // the next bytes with the bitmap class, so jPOS cannot read its own fields with a sub-field past 64.
      const reason = 'jPOS reads the bytes after a secondary bitmap as another bitmap (sub-field 1)';
      xmlError(packager, `firstField ${first} beside a ${bitmapBytes(b)}-byte bitmap at sub-field 1: ${reason}`, outer.path);
    }
    // jPOS's loop starts at `first`: set bits below it are ignored (bit 1 beside a bitmap at sub-field 1, say).
    if (first > (composite.bitmap.length !== undefined ? 1 : 2)) composite.bitmap.firstField = first;
    // With 24 bytes, bit 65 announces the tertiary bitmap. ISOBasePackager's unpack skips field 65 then;
    // GenericSubFieldPackager's reads a sub-field 65 defined with a data class at bit 65 like any other.
    const f65 = subs.get(65);
    if (composite.bitmap.tertiary === true && kind === 'GenericSubFieldPackager' && f65 !== undefined && describe(packager, f65).kind === 'field') {
      composite.bitmap.tertiaryField65 = true;
    }
  } else if (kind === 'GenericSubFieldPackager' && hasPrefix(packager, outer)) {
    // GenericSubFieldPackager.pack runs to the highest sub-field present, and its unpack stops at the end of the
    // bytes. ISOBasePackager (a nested GenericPackager) has neither: it reads every defined sub-field, so a peer
    // could not read a shortened field. Inside a fixed-length field every sub-field still travels: jPOS would pad the
    // shortened contents with the outer class's padding, which its own unpack then reads as the leading sub-fields.
    composite.omitTrailingAbsent = true;
  }
  refuseFirstFieldPastAll(packager, outer, subs, explicitFirst, bitmapField);
  // ISOBasePackager (a nested GenericPackager) sends the header bytes; GenericSubFieldPackager's own pack and unpack
  // never do, so there the attribute changes nothing on the wire.
  const headerLength = readInteger(packager, a.headerLength, 'headerLength', outer.path);
  if (kind === 'GenericPackager' && headerLength !== undefined && headerLength > 0) composite.headerLength = headerLength;

  for (const sub of [...subs.values()].sort((x, y) => x.id - y.id)) {
    if (sub.id === bitmapField) continue;
    if (sub.id === 0 && sub.length === 0) continue;
    if (sub.id === 65 && composite.bitmap?.tertiary === true && composite.bitmap.tertiaryField65 !== true) continue;
    if (sub.id === 1 && composite.bitmap !== undefined && composite.bitmap.length === undefined) {
      // A data sub-field 1 beside a 16- or 24-byte bitmap elsewhere (cmf.xml 49.1, bitmap at 0): jPOS packs it with
      // bit 1 set, which its unpack (as this codec's) reads as announcing a secondary bitmap. Dropped: packing it is
      // refused as an unknown sub-field, and the fields jPOS can read back import.
      continue;
    }
    if (nestedMti(kind, sub, packager)) {
      if (first === 0 && !emit) {
        xmlError(packager, 'firstField 0 without a bitmap: jPOS reads sub-field 0 twice but packs it once', sub.path);
      }
    } else if (sub.id < first) {
      continue;
    }
    composite.fields[String(sub.id)] = subField(sub);
  }
  return composite;
}

/** Whether a packager class name is in jPOS's `org.jpos.iso.packager` package, or given without a package. */
export function knownPackage(className: string): boolean {
  return !className.includes('.') || className === `org.jpos.iso.packager.${shortClassName(className)}`;
}

function bitmapBytes(b: PackagerField): number {
  return b.length > 16 ? 24 : 16;
}

/**
 * A `firstField` above every sub-field defined (the bitmap's aside) makes a composite that carries nothing, whose
 * loops skip all a peer sends (the field then fails with trailing bytes): refused naming the attribute.
 */
function refuseFirstFieldPastAll(
  packager: string,
  outer: PackagerField,
  subs: Map<number, PackagerField>,
  explicitFirst: number | undefined,
  bitmapField: number | undefined,
): void {
  if (explicitFirst === undefined) return;
  let highest = -1;
  for (const id of subs.keys()) if (id !== bitmapField && id > highest) highest = id;
  if (explicitFirst > highest) {
    const which = highest === -1 ? 'no data sub-field is defined' : `the highest data sub-field is ${highest}`;
    xmlError(packager, `firstField ${explicitFirst} is above every sub-field defined (${which}): the field would carry nothing`, outer.path);
  }
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
