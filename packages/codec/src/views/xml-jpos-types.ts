/**
 * jPOS's rule for the values of an XMLPackager dump (`<field id value [type]>`): a value without `type` is text
 * (jPOS's `ISOField`, packed as its ISO-8859-1 bytes), one with `type="binary"` is the hex of its bytes
 * (`ISOBinaryField`). The codec's own form is text for a character field and hex for a binary one (`b`), so with the
 * dialect at hand a value is turned into that form; without it, a value stays as written.
 */
import type { FieldProblem } from '../errors.js';
import type { FieldSpec } from '../types.js';
import { HEX_BYTES } from './xml-shape.js';

/** The only `type` a jPOS dump's `<field>` may have (jPOS writes no other for a value the codec can carry). */
const BINARY = 'binary';

/** True when every character of `text` is one byte of ISO-8859-1 (U+0000-U+00FF). */
function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

/**
 * The value of a jPOS dump's field `field` in the codec's form, by jPOS's rule, or `undefined` with a problem pushed:
 * a `type` other than `binary`, a `type="binary"` value that is not hex, a text value on a binary field with a
 * character ISO-8859-1 cannot carry. `spec` is the field's description in the dialect (`undefined`: no dialect given,
 * or a field it does not have, and the value stays as written).
 */
export function jposValue(value: string, type: string | undefined, spec: FieldSpec | undefined, field: string, problems: FieldProblem[]): string | undefined {
  if (type !== undefined && type !== BINARY) {
    problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a type other than "binary" (jPOS writes no other)' });
    return undefined;
  }
  if (type === BINARY && !HEX_BYTES.test(value)) {
    problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a type="binary" value that is not hex bytes' });
    return undefined;
  }
  if (spec === undefined || spec.subfields !== undefined) return value;
  const binaryField = spec.type === 'b';
  if (binaryField && type === undefined) {
    if (!isLatin1(value)) {
      problems.push({ field, code: 'ISO8583_ERR_FIELD_VALUE', reason: 'a text value on a binary field with a character ISO-8859-1 cannot carry' });
      return undefined;
    }
    return Buffer.from(value, 'latin1').toString('hex').toUpperCase();
  }
  if (!binaryField && type === BINARY) return Buffer.from(value, 'hex').toString('latin1');
  return value;
}
