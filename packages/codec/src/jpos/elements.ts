import type { ClassShape } from './field-classes.js';
import { describeClass } from './field-classes.js';
import { classError, readBoolean, readInteger, xmlError } from './attributes.js';
import { refuseUnhonouredAttributes } from './field-attributes.js';

/**
 * The field elements of one packager level (`isofield`, `isofieldpackager`) read into checked records, indexed by id
 * as jPOS's GenericPackager indexes them.
 */

/** One `isofield` or `isofieldpackager` element as read from the XML. */
export interface RawField {
  attributes: Record<string, string>;
  children: RawField[];
  composite: boolean;
}

/** A field after its attributes are checked. */
export interface PackagerField {
  id: number;
  /** The field's path for errors: `"48"`, `"127.2"`. */
  path: string;
  length: number;
  name: string;
  className: string;
  pad: boolean;
  raw: RawField;
}

/**
 * Checks the attributes of every field of one packager level and indexes them by id. An id defined twice keeps its
 * last definition, as jPOS's GenericPackager does (it puts each element into its field map in document order, so
 * the later one replaces the earlier: jPOS's own cmf.xml defines field 96 twice). The document order of an
 * `isofield` and an `isofieldpackager` with the same id is not kept by the XML reader, so that case is refused
 * rather than guessed. The attributes that change in jPOS how the field travels in a way no dialect field describes
 * (`trim="true"`, `inclusive="true"`, `params`, `encoding`) are refused naming the field (`field-attributes.ts`).
 */
export function readFields(packager: string, raws: RawField[], parentPath: string): Map<number, PackagerField> {
  const fields = new Map<number, PackagerField>();
  for (const raw of raws) {
    const a = raw.attributes;
    const where = parentPath === '' ? undefined : parentPath;
    const id = readInteger(packager, a.id, 'id', where);
    if (id === undefined) xmlError(packager, 'a field element has no id attribute', where);
    const path = parentPath === '' ? String(id) : `${parentPath}.${id}`;
    const earlier = fields.get(id);
    if (earlier !== undefined && earlier.raw.composite !== raw.composite) {
      xmlError(packager, 'the field is defined twice, as an isofield and as an isofieldpackager (jPOS keeps the later one)', path);
    }
    const length = readInteger(packager, a.length, 'length', path);
    if (length === undefined) xmlError(packager, 'the field has no length attribute', path);
    const className = a.class;
    if (className === undefined || className.trim() === '') xmlError(packager, 'the field has no class attribute', path);
    refuseUnhonouredAttributes(packager, a, raw.composite, path);
    // A later definition replaces an earlier one (Map.set keeps the first insertion's place; order is by id anyway).
    fields.set(id, {
      id,
      path,
      length,
      name: (a.name ?? '').trim(),
      className,
      // (true|false) in jPOS's DTD, which jPOS validates: pad="yes" is refused, never read as false.
      pad: readBoolean(packager, a.pad, 'pad', false, path),
      raw,
    });
  }
  return fields;
}

/** The wire description of the class of `f`; an unknown class is refused naming the field and the class. */
export function describe(packager: string, f: PackagerField): ClassShape {
  const shape = describeClass(f.className, f.length, f.pad);
  if (shape === undefined) classError(packager, f.path, f.className, 'is not a jPOS field packager class the importer knows');
  return shape;
}

/** Whether the class of `f` has a length prefix (a variable-length field). */
export function hasPrefix(packager: string, f: PackagerField): boolean {
  const shape = describe(packager, f);
  return shape.kind === 'field' && shape.spec.prefix !== undefined;
}
