/**
 * Helpers for the field-level tests: a one-field dialect (ASCII MTI, hex bitmap, the field under test as field 2),
 * so that a field's wire bytes are exactly what follows the 20 bytes of MTI and bitmap.
 */
import { createCodec } from '../src/index.js';
import type { Codec, CodecOptions, Dialect, FieldSpec } from '../src/index.js';

/** Bytes of MTI (4) and hex primary bitmap (16) before field 2. */
export const HEAD = 20;

/** A dialect whose only field is `spec` as field 2. */
export function oneFieldDialect(spec: Partial<FieldSpec>): Dialect {
  return {
    name: 'one-field',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: { '2': { name: 'FIELD UNDER TEST', type: 'ans', length: 99, encoding: 'ascii', ...spec } },
  };
}

/** A codec of {@link oneFieldDialect}. */
export function oneFieldCodec(spec: Partial<FieldSpec>, options?: CodecOptions): Codec {
  return createCodec(oneFieldDialect(spec), options);
}

/** The wire bytes of field 2 holding `value`, as uppercase hex. */
export function fieldHex(codec: Codec, value: string | number): string {
  return codec.pack({ '0': '0200', '2': value }).subarray(HEAD).toString('hex').toUpperCase();
}

/** Decodes field 2 from its wire bytes (given as hex). */
export function readFieldHex(codec: Codec, hex: string, options?: CodecOptions): unknown {
  const image = Buffer.concat([Buffer.from('02004000000000000000', 'latin1'), Buffer.from(hex, 'hex')]);
  return codec.unpack(image, options)['2'];
}
