import type { FieldSpec } from '../types.js';
import { classError } from './attributes.js';
import type { PackagerField } from './elements.js';
import { describe } from './elements.js';
import { knownPackage } from './composite.js';
import { shortClassName } from './field-classes.js';

/**
 * jPOS `ICCDataPackager` (cmfv3.xml's field 55): the field's bytes are raw BER-TLV, the EMV data objects one after
 * the other, with none of the dataset identifier and length envelope its parent `DatasetPackager` writes. On the wire
 * that is the outer class's length prefix, then the TLV bytes: exactly a binary field of that class, marked as EMV
 * data (masked in descriptions and logs, tags shown, values hidden). Sub-field elements and the GenericPackager
 * attributes are ignored, as ICCDataPackager's pack and unpack ignore them.
 *
 * Differences, none in the bytes jPOS reads: jPOS's unpack refuses bytes that are not BER-TLV, where the codec reads
 * the field as the bytes sent (its EMV views parse them); a jPOS relay re-packs the data objects it parsed (padding
 * bytes between them dropped), where the codec forwards the bytes as they came.
 */

/** Whether the `isofieldpackager` `f` names ICCDataPackager (in jPOS's `org.jpos.iso.packager`, or unqualified). */
export function isIccData(f: PackagerField): boolean {
  const packagerClass = (f.raw.attributes.packager ?? '').trim();
  return f.raw.composite && shortClassName(packagerClass) === 'ICCDataPackager' && knownPackage(packagerClass);
}

/**
 * The wire description of an ICCDataPackager field: its class's, which must carry bytes (a binary class: `IFB_`,
 * `IFA_` or `IFE_` `BINARY`, fixed or with a length prefix); a text or numeric class is refused, as jPOS would hand it
 * bytes it packs as characters.
 */
export function iccDataField(packager: string, f: PackagerField): Omit<FieldSpec, 'name'> {
  const shape = describe(packager, f);
  if (shape.kind !== 'field' || shape.spec.type !== 'b') {
    classError(packager, f.path, f.className, 'cannot carry the BER-TLV bytes of ICCDataPackager (a BINARY class is needed)');
  }
  return { ...shape.spec, sensitive: 'emv' };
}
