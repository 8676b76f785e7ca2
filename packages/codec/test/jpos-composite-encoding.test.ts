/**
 * A composite inside a class that converts its contents: jPOS packs the sub-fields' bytes through the outer class (BCD
 * digits for IFB_NUMERIC and IFB_LLNUM, EBCDIC 1047 for IFE_ classes), where the codec sent them raw (a 6-digit
 * processing code in IFB_NUMERIC went out as 6 bytes, 303030303030, where jPOS sends 3, 000000: every field after it
 * was read from the wrong bytes). Refused at import naming the field and the class, and in any dialect naming the
 * encoding; the classes whose contents travel as they are (ASCII text, binary) still import.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromJson, dialectFromPackagerXml, isIso8583Error } from '../src/index.js';
import type { Dialect, FieldSpec } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

/** Field `id` as a positional composite of class `cls` with two sub-fields, then field 11 after it. */
function compositeIn(cls: string, length: number, id = '3'): string {
  return jposPackager(`<isofieldpackager id="${id}" length="${length}" name="COMPOSITE" class="org.jpos.iso.${cls}"
      emitBitmap="false" packager="org.jpos.iso.packager.GenericSubFieldPackager">
    <isofield id="1" length="2" name="A" class="org.jpos.iso.IFA_NUMERIC"/>
    <isofield id="2" length="4" name="B" class="org.jpos.iso.IFA_NUMERIC"/>
  </isofieldpackager>
  <isofield id="11" length="6" name="STAN" class="org.jpos.iso.IFA_NUMERIC"/>`);
}

test('jPOS composite encoding – a composite in a BCD or EBCDIC class is refused naming the field and the class', () => {
  for (const cls of ['IFB_NUMERIC', 'IFB_LLNUM', 'IFB_LLLNUM', 'IFB_LLHNUM', 'IFB_AMOUNT', 'IFE_NUMERIC', 'IFE_CHAR', 'IFE_LLCHAR', 'IFE_LLLCHAR', 'IFE_LLNUM', 'IFE_AMOUNT']) {
    const err = refused(() => dialectFromPackagerXml(compositeIn(cls, 6)), 'ISO8583_ERR_PACKAGER_CLASS');
    assert.equal(err.field, '3', cls);
    assert.ok(err.message.includes(cls), err.message);
    assert.match(err.message, cls.startsWith('IFB') ? /packs its contents as BCD digits/ : /converts its contents to EBCDIC/);
  }
  // A nested composite is named by its path.
  const nested = jposPackager(`<isofieldpackager id="48" length="999" name="F48" class="org.jpos.iso.IFA_LLLCHAR"
      emitBitmap="false" packager="org.jpos.iso.packager.GenericSubFieldPackager">
    <isofieldpackager id="2" length="6" name="INNER" class="org.jpos.iso.IFB_NUMERIC" emitBitmap="false"
        packager="org.jpos.iso.packager.GenericSubFieldPackager">
      <isofield id="1" length="6" name="X" class="org.jpos.iso.IFA_NUMERIC"/>
    </isofieldpackager>
  </isofieldpackager>`);
  assert.equal(refused(() => dialectFromPackagerXml(nested), 'ISO8583_ERR_PACKAGER_CLASS').field, '48.2');
});

test('jPOS composite encoding – classes whose contents travel as they are still import and round-trip', () => {
  // IFB_LLLCHAR: a BCD length prefix, ASCII characters; the binary classes: raw bytes.
  for (const cls of ['IFA_NUMERIC', 'IF_CHAR', 'IFA_LLLCHAR', 'IFB_LLLCHAR', 'IFB_LLLBINARY', 'IFE_LLLBINARY', 'IFB_LLHBINARY', 'IFA_BINARY']) {
    const codec = createCodec(dialectFromPackagerXml(compositeIn(cls, 6)));
    const message = { '0': '0200', '3': { '1': '00', '2': '3000' }, '11': '000001' };
    assert.deepEqual(codec.unpack(codec.pack(message)), message, cls);
  }
});

test('jPOS composite encoding – a dialect with sub-fields under an EBCDIC or BCD encoding is refused naming the encoding', () => {
  const sub: FieldSpec = { name: 'A', type: 'n', length: 2, encoding: 'ascii' };
  const withEncoding = (encoding: FieldSpec['encoding']): Dialect => ({
    name: 'c',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: { '3': { name: 'P', type: 'n', length: 2, encoding, subfields: { fields: { '1': sub } } } },
  });
  for (const encoding of ['ebcdic', 'ebcdic-1047', 'ebcdic-037', 'bcd'] as const) {
    for (const make of [() => createCodec(withEncoding(encoding)), () => dialectFromJson(withEncoding(encoding) as never)]) {
      try {
        make();
        assert.fail(`expected a refusal of ${encoding}`);
      } catch (err) {
        assert.ok(isIso8583Error(err) && err.code === 'ISO8583_ERR_DIALECT_INVALID', String(err));
        assert.deepEqual((err.problems ?? []).map((p) => p.field), ['fields.3.encoding'], encoding);
      }
    }
  }
  for (const encoding of ['ascii', 'binary', 'hex', 'ebcdic-hex'] as const) {
    assert.doesNotThrow(() => createCodec(withEncoding(encoding)), encoding);
  }
});
