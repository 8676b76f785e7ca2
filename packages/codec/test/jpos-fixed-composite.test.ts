/**
 * A composite in a fixed-length text class (jPOS `IF_CHAR`) longer than what its sub-fields make: jPOS right-pads the
 * sub-fields' bytes with spaces on pack, and its unpack reads the sub-fields and leaves the rest. The codec refused to
 * pack such a value ("shorter than its fixed length") and to read jPOS's bytes (trailing bytes). Now it pads with
 * spaces and accepts trailing spaces after the last sub-field: spaces only, any other byte is still refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromPackagerXml } from '../src/index.js';
import type { Dialect } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

/** Field 48 `IF_CHAR` of `length` around the given sub-fields (positional), then field 49. */
function fixed48(length: number, subs: string, cls = 'IF_CHAR'): string {
  return jposPackager(`<isofieldpackager id="48" length="${length}" name="ADDITIONAL DATA" class="org.jpos.iso.${cls}"
      packager="org.jpos.iso.packager.GenericSubFieldPackager" emitBitmap="false">
    ${subs}
  </isofieldpackager>
  <isofield id="49" length="3" name="CURRENCY" class="org.jpos.iso.IFA_NUMERIC"/>`);
}

const TWO_FIXED = `<isofield id="1" length="3" name="A" class="org.jpos.iso.IF_CHAR"/>
    <isofield id="2" length="3" name="B" class="org.jpos.iso.IF_CHAR"/>`;
const FIXED_THEN_VARIABLE = `<isofield id="1" length="2" name="A" class="org.jpos.iso.IF_CHAR"/>
    <isofield id="2" length="16" name="B" class="org.jpos.iso.IFA_LLCHAR"/>`;

/** jPOS's bytes for a message with fields 48 (its `content`, as jPOS pads it) and 49 = 840. */
function jposBytes(content: string): Buffer {
  return Buffer.from(`0100${'0000000000018000'}${content}840`, 'latin1');
}

test('jPOS fixed composite – sub-fields shorter than an IF_CHAR box are right-padded with spaces, as jPOS sends them', () => {
  const codec = createCodec(dialectFromPackagerXml(fixed48(10, TWO_FIXED)));
  const message = { '0': '0100', '48': { '1': 'ABC', '2': 'DEF' }, '49': '840' };
  assert.deepEqual(codec.pack(message), jposBytes('ABCDEF    '));
  assert.deepEqual(codec.unpack(jposBytes('ABCDEF    ')), message);

  const variable = createCodec(dialectFromPackagerXml(fixed48(20, FIXED_THEN_VARIABLE)));
  const short = { '0': '0100', '48': { '1': 'AB', '2': 'HELLO' }, '49': '840' };
  assert.deepEqual(variable.pack(short), jposBytes(`AB05HELLO${' '.repeat(11)}`));
  assert.deepEqual(variable.unpack(jposBytes(`AB05HELLO${' '.repeat(11)}`)), short);
  // Filling the box exactly is unchanged.
  const full = { '0': '0100', '48': { '1': 'AB', '2': 'HELLOHELLOHELLO!' }, '49': '840' };
  assert.deepEqual(variable.pack(full), jposBytes('AB16HELLOHELLOHELLO!'));
  assert.deepEqual(variable.unpack(variable.pack(full)), full);
});

test('jPOS fixed composite – only spaces may follow the last sub-field; other bytes, or too many sub-field bytes, are refused', () => {
  const codec = createCodec(dialectFromPackagerXml(fixed48(10, TWO_FIXED)));
  for (const content of ['ABCDEF   X', 'ABCDEF\u0000\u0000\u0000\u0000', 'ABCDEFGHIJ']) {
    const err = refused(() => codec.unpack(jposBytes(content)), 'ISO8583_ERR_TRAILING_BYTES');
    assert.equal(err.field, '48');
  }
  const over = createCodec(dialectFromPackagerXml(fixed48(5, TWO_FIXED)));
  refused(() => over.pack({ '0': '0100', '48': { '1': 'ABC', '2': 'DEF' }, '49': '840' }), 'ISO8583_ERR_INVALID_MESSAGE');
});

test('jPOS fixed composite – classes that are no fixed text still want their sub-fields to fill them', () => {
  // IFA_NUMERIC (digits, which jPOS pads on the left) and a binary box: no padding, no trailing bytes accepted.
  const numeric = createCodec(dialectFromPackagerXml(fixed48(8, `<isofield id="1" length="3" name="A" class="org.jpos.iso.IFA_NUMERIC"/>
    <isofield id="2" length="3" name="B" class="org.jpos.iso.IFA_NUMERIC"/>`, 'IFA_NUMERIC')));
  refused(() => numeric.pack({ '0': '0100', '48': { '1': '1', '2': '2' }, '49': '840' }), 'ISO8583_ERR_INVALID_MESSAGE');
  refused(() => numeric.unpack(jposBytes('001002  ')), 'ISO8583_ERR_TRAILING_BYTES');
  // A JSON dialect's fixed `b` composite is unchanged too; a fixed text one pads as IF_CHAR does.
  const dialect = (type: 'b' | 'ans'): Dialect => ({
    name: 'f',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: { '48': { name: 'F', type, length: 6, encoding: 'ascii', subfields: { fields: { '1': { name: 'A', type: 'ans', length: 3, encoding: 'ascii' } } } } },
  });
  refused(() => createCodec(dialect('b')).pack({ '0': '0100', '48': { '1': 'ABC' } }), 'ISO8583_ERR_INVALID_MESSAGE');
  const text = createCodec(dialect('ans'));
  assert.equal(text.pack({ '0': '0100', '48': { '1': 'ABC' } }).subarray(20).toString('latin1'), 'ABC   ');
});
