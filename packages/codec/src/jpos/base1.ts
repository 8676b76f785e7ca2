import type { CompositeSpec } from '../types.js';
import { bitmapSpec } from './field-classes.js';
import { classError } from './attributes.js';
import type { PackagerField } from './elements.js';
import { describe, hasPrefix } from './elements.js';
import type { SubFieldSpec } from './composite.js';

/**
 * jPOS `Base1SubFieldPackager` (VISA Base I sub-fields, e.g. field 126 with `Base1_BITMAP126`), an ISOBasePackager
 * that is no GenericPackager: the `emitBitmap`, `bitmapField`, `firstField` and `headerLength` attributes are never
 * handed to it, so jPOS ignores them and so does the import. Its layout comes from sub-field 0 alone:
 *
 * - sub-field 0 a bitmap class: the bitmap travels first and its bit N marks sub-field N from 1 (`emitBitMap()` and
 *   `getFirstField()` 1, `getBitMapfieldPackager()` is `fld[0]`). There is no secondary bitmap: `Base1_BITMAP126` is
 *   8 bytes whatever its `length` says; a bitmap class over 8 bytes is refused (its bit 1 would announce a secondary
 *   bitmap, which the unpack loop then reads as sub-field 1).
 * - otherwise positional from sub-field 0 (`getFirstField()` 0). Its pack writes only the sub-fields present and its
 *   unpack reads in order until the bytes end, so sub-fields after the last present one are not sent
 *   (`omitTrailingAbsent`, inside a variable-length class; in a fixed one every sub-field travels, as for
 *   GenericSubFieldPackager). jPOS leaves out an absent sub-field before a present one too, which its own unpack
 *   then misreads; here it travels empty.
 *
 * Where jPOS's pack meets a sub-field it cannot pack, older versions log the error and leave the sub-field out (its
 * bit still set); here, as in current jPOS, packing fails, with a coded error naming the sub-field.
 */
export function base1Composite(packager: string, outer: PackagerField, subs: Map<number, PackagerField>, subField: SubFieldSpec): CompositeSpec {
  const composite: CompositeSpec = { fields: {} };
  const zero = subs.get(0);
  const zeroShape = zero === undefined ? undefined : describe(packager, zero);
  let first = 0;
  if (zero !== undefined && zeroShape?.kind === 'bitmap') {
    const bitmap = bitmapSpec(zeroShape, zero.length, true);
    if (bitmap.length === undefined) {
      classError(packager, zero.path, zero.className, 'is a bitmap over 8 bytes: Base1SubFieldPackager has no secondary bitmap (bit 1 marks sub-field 1)');
    }
    composite.bitmap = bitmap;
    first = 1;
  } else if (hasPrefix(packager, outer)) {
    composite.omitTrailingAbsent = true;
  }
  for (const sub of [...subs.values()].sort((x, y) => x.id - y.id)) {
    if (sub.id < first) continue;
    if (sub.id === 0 && sub.length === 0) continue;
    composite.fields[String(sub.id)] = subField(sub);
  }
  return composite;
}
