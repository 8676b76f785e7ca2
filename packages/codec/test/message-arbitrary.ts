/**
 * fast-check arbitraries of valid messages for any dialect: for every field a value of its type that fits its
 * length exactly (fixed) or up to a small maximum (variable), so that pack then unpack must give it back unchanged.
 */
import fc from 'fast-check';
import type { CompositeSpec, Dialect, FieldSpec, IsoMessage } from '../src/index.js';

const DIGITS = '0123456789';
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SPECIALS = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';

const CHARSETS: Record<string, string> = {
  n: DIGITS,
  a: LETTERS + ' ',
  an: LETTERS + DIGITS + ' ',
  ans: LETTERS + DIGITS + ' ' + SPECIALS + 'éÀ',
  as: LETTERS + ' ' + SPECIALS,
  ns: DIGITS + ' ' + SPECIALS,
  anp: LETTERS + DIGITS + ' ',
  z: DIGITS,
};

/** The largest variable length generated (keeps the runs fast). */
const VARIABLE_CAP = 40;

function chars(set: string, min: number, max: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...set.split('')), minLength: min, maxLength: max });
}

/** Whether a BCD value of this field may have an odd number of digits and still round trip. */
function oddDigitsRoundTrip(spec: FieldSpec): boolean {
  // Counted in bytes, an odd value is only told apart by an F pad nibble.
  return spec.prefix?.counts !== 'bytes' || spec.padNibble === 'F';
}

/** An arbitrary valid value for one field. */
export function valueArbitrary(spec: FieldSpec): fc.Arbitrary<string> {
  const fixed = spec.prefix === undefined;
  const max = fixed ? spec.length : Math.min(spec.length, VARIABLE_CAP);
  const min = fixed ? spec.length : 0;
  if (spec.encoding === 'binary' || spec.encoding === 'hex' || spec.encoding === 'ebcdic-hex' || spec.type === 'b') {
    return fc.uint8Array({ minLength: min, maxLength: max }).map((b) => Buffer.from(b).toString('hex').toUpperCase());
  }
  if (spec.type === 'xn') {
    return fc.tuple(fc.constantFrom('C', 'D'), chars(DIGITS, Math.max(0, min - 1), Math.max(0, max - 1))).map(([s, d]) =>
      fixed || d.length > 0 ? s + d : '',
    );
  }
  let arb: fc.Arbitrary<string>;
  if (spec.type === 'z') {
    arb = fc.tuple(chars(DIGITS, 0, Math.max(0, max - 1)), fc.boolean()).map(([d, sep]) => {
      if (!sep || d.length < 2) return d;
      const at = Math.floor(d.length / 2);
      return d.slice(0, at) + '=' + d.slice(at + 1);
    });
    if (fixed) arb = chars(DIGITS, min, max);
  } else {
    arb = chars(CHARSETS[spec.type] ?? CHARSETS.ans!, min, max);
  }
  if (spec.encoding === 'bcd' && !oddDigitsRoundTrip(spec)) arb = arb.map((s) => (s.length % 2 === 0 ? s : s.slice(1)));
  return arb;
}

/**
 * An arbitrary value of a composite field: a random subset of the sub-fields behind a bitmap, or every sub-field
 * of a positional layout; the header bytes as hex when the layout has some.
 */
function compositeArbitrary(spec: CompositeSpec): fc.Arbitrary<IsoMessage> {
  const model: Record<string, fc.Arbitrary<string | IsoMessage>> = {};
  for (const [key, sub] of Object.entries(spec.fields)) {
    model[key] = sub.subfields === undefined ? valueArbitrary(sub) : compositeArbitrary(sub.subfields);
  }
  const headerLength = spec.headerLength ?? 0;
  if (headerLength > 0) {
    model.header = fc.uint8Array({ minLength: headerLength, maxLength: headerLength }).map((b) => Buffer.from(b).toString('hex').toUpperCase());
  }
  const required = spec.bitmap === undefined ? Object.keys(model) : headerLength > 0 ? ['header'] : [];
  return fc.record(model, { requiredKeys: required, noNullPrototype: true }) as fc.Arbitrary<IsoMessage>;
}

/** An arbitrary valid message of `dialect` (MTI and a random subset of its fields, composite ones included). */
export function messageArbitrary(dialect: Dialect): fc.Arbitrary<IsoMessage> {
  const model: Record<string, fc.Arbitrary<string | IsoMessage>> = {};
  for (const [key, spec] of Object.entries(dialect.fields)) {
    model[key] = spec.subfields === undefined ? valueArbitrary(spec) : compositeArbitrary(spec.subfields);
  }
  return fc
    .tuple(chars(DIGITS, 4, 4), fc.record(model, { requiredKeys: [], noNullPrototype: true }))
    .map(([mti, fields]) => ({ '0': mti, ...fields }) as IsoMessage);
}

/**
 * A dialect with composite fields: a positional field 3, a field 127 with a header byte and a 2-byte sub-bitmap
 * (EBCDIC, BCD and hex-character sub-fields), and a tertiary bitmap with field 150.
 */
export const COMPOSITE_DIALECT: Dialect = {
  name: 'composite',
  mti: { encoding: 'ascii' },
  bitmap: { encoding: 'hex', tertiary: true },
  fields: {
    '2': { name: 'PAN', type: 'n', length: 19, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } },
    '3': {
      name: 'PROCESSING CODE',
      type: 'n',
      length: 6,
      encoding: 'ascii',
      subfields: {
        fields: {
          '1': { name: 'TYPE', type: 'n', length: 2, encoding: 'ascii' },
          '2': { name: 'FROM', type: 'n', length: 2, encoding: 'ascii' },
          '3': { name: 'TO', type: 'n', length: 2, encoding: 'ascii' },
        },
      },
    },
    '127': {
      name: 'PRIVATE',
      type: 'b',
      length: 9999,
      encoding: 'binary',
      prefix: { encoding: 'binary', digits: 2 },
      subfields: {
        headerLength: 1,
        bitmap: { encoding: 'binary', length: 2 },
        fields: {
          '1': { name: 'A', type: 'ans', length: 20, encoding: 'ebcdic', prefix: { encoding: 'bcd', digits: 2 } },
          '9': { name: 'B', type: 'n', length: 7, encoding: 'bcd', justify: 'left', padNibble: 'F' },
          '16': { name: 'C', type: 'b', length: 4, encoding: 'hex', prefix: { encoding: 'ascii', digits: 1 } },
        },
      },
    },
    '150': { name: 'F150', type: 'an', length: 3, encoding: 'ascii' },
  },
};

/**
 * A JSON dialect with EBCDIC text (code pages 1047 and 037 by name), MTI and bitmap, left-justified BCD with F pad,
 * binary and EBCDIC prefixes.
 */
export const EBCDIC_JSON_DIALECT = {
  name: 'prop-ebcdic',
  extends: 'iso87binary',
  mti: { encoding: 'ebcdic' },
  bitmap: { encoding: 'ebcdic' },
  fields: {
    '2': { padNibble: 'F' },
    '3': { padNibble: 'F' },
    '23': { justify: 'left', padNibble: 'F' },
    '28': { signEncoding: 'ebcdic' },
    '32': { padNibble: 'F', prefix: { encoding: 'binary', digits: 1 } },
    '33': { padNibble: 'F', prefix: { encoding: 'binary', digits: 2, counts: 'bytes' } },
    '35': { padNibble: 'F', prefix: { encoding: 'ebcdic', digits: 2 } },
    '41': { encoding: 'ebcdic' },
    '43': { encoding: 'ebcdic-037' },
    '44': { encoding: 'ebcdic', prefix: { encoding: 'ebcdic', digits: 2 } },
    '48': { encoding: 'ebcdic-1047', prefix: { encoding: 'binary', digits: 2 } },
    '52': { encoding: 'ebcdic-hex' },
    '55': { prefix: { encoding: 'binary', digits: 2, counts: 'nibbles' } },
    '62': { encoding: 'ebcdic', prefix: { encoding: 'bcd', digits: 6 } },
    '64': { encoding: 'hex' },
    '99': { prefix: { encoding: 'ascii', digits: 2, counts: 'nibbles' } },
    '102': { prefix: { encoding: 'binary', digits: 4 } },
  },
};
