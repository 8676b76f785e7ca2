import { readBoolean, readInteger, readJavaInt, xmlError } from './attributes.js';
import { jposFirstField } from './first-field.js';

/**
 * The `isopackager` attributes that shape the message around its fields, as GenericPackager hands them to
 * ISOBasePackager's pack and unpack: `firstField`, `emitBitmap`, `bitmapField` and `thirdBitmapField`. The import
 * takes the layout that a dialect describes (the MTI at 0, then the bitmap at 1, then the fields) and refuses the
 * attributes that would make jPOS lay the message out otherwise, rather than ignore them.
 */

/**
 * The message's first field (`firstField`, default 2 with the MTI at 0 and the bitmap at 1): fields below it are
 * dropped and their bits ignored, as ISOBasePackager's loops start there. Under 2 it is refused: with 0 jPOS packs
 * the MTI after the bitmap (in its loop, since it writes field 0 first only when the first field is over 0) but reads
 * it before; with 1 it reads what follows a secondary bitmap with field 1's bitmap class (bit 1, the announcement,
 * marks "field 1"): either way jPOS cannot read the messages it packs.
 *
 * @param name - the packager's name, for errors.
 * @param attributes - the `isopackager` element's attributes.
 * @param ids - the field numbers defined.
 * @param maxField - the last field number the bitmap has (128, or 192 with a tertiary bitmap).
 */
export function messageFirstField(name: string, attributes: Record<string, string>, ids: Iterable<number>, maxField: number): number {
  refuseOtherLayouts(name, attributes);
  const explicit = readInteger(name, attributes.firstField, 'firstField');
  const first = jposFirstField({ ids, zeroComposite: false, oneBitmap: true }, explicit);
  if (first === 0) xmlError(name, 'firstField 0: jPOS packs the MTI after the bitmap but reads it before it');
  if (first === 1) xmlError(name, 'firstField 1: jPOS reads the bytes after a secondary bitmap as another bitmap (field 1)');
  if (first > maxField) xmlError(name, `firstField ${first} is over the last field number (${maxField})`);
  return first;
}

/**
 * `emitBitmap="false"` (a message without a bitmap), a `bitmapField` other than 1 (the bitmap packed with another
 * field's class) and `thirdBitmapField` (a tertiary bitmap carried inside a data element) are layouts a dialect does
 * not describe: refused, naming the attribute.
 */
function refuseOtherLayouts(name: string, attributes: Record<string, string>): void {
  if (!readBoolean(name, attributes.emitBitmap, 'emitBitmap', true)) {
    xmlError(name, 'isopackager emitBitmap="false" (a message without a bitmap) is not supported');
  }
  const bitmapField = readInteger(name, attributes.bitmapField, 'bitmapField');
  if (bitmapField !== undefined && bitmapField !== 1) {
    xmlError(name, `isopackager bitmapField="${bitmapField}" is not supported: the message bitmap is field 1`);
  }
  // GenericPackager parses `maxValidField` with Integer.parseInt as it reads the packager (a value that is not an int
  // fails it), and its pack and unpack never consult it: read the same way, then ignored, as there.
  readJavaInt(name, attributes.maxValidField, 'maxValidField');
  if (attributes.thirdBitmapField !== undefined) {
    xmlError(name, 'isopackager thirdBitmapField (a tertiary bitmap inside a data element) is not supported');
  }
}
