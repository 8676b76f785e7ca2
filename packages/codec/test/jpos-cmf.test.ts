/**
 * What jPOS's stock cmf.xml (the jPOS Common Message Format) needs of the import, in short hand-written packagers:
 * the IF*_AMOUNT2003 classes, an id defined twice (cmf.xml defines 96 twice), and the DTD's `trim` attribute.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromPackagerXml } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

/** A packager around `fields` (see jpos-support.ts). */
const packagerWith = (fields: string): string => jposPackager(fields, { mti: 'IFB_NUMERIC', bitmap: 'IFB_BITMAP' });

test('jPOS CMF – IFB_AMOUNT2003 and IFA_AMOUNT2003 travel as IFB_NUMERIC and IFA_NUMERIC', () => {
  // jPOS's IFB_AMOUNT2003 extends IFB_NUMERIC and IFA_AMOUNT2003 extends IFA_NUMERIC, overriding only the component
  // unpack creates (an ISOAmount: currency, exponent and amount as one digit string): the bytes are the parent's.
  const dialect = dialectFromPackagerXml(packagerWith(`
  <isofield id="4" length="16" name="Amount, Transaction" pad="false" class="org.jpos.iso.IFB_AMOUNT2003"/>
  <isofield id="5" length="16" name="Amount, Reconciliation" class="org.jpos.iso.IFA_AMOUNT2003"/>
  <isofieldpackager id="30" length="16" name="Amounts original" class="org.jpos.iso.IFB_BINARY" emitBitmap="false"
      firstField="0" packager="org.jpos.iso.packager.GenericSubFieldPackager">
    <isofield id="0" length="16" name="Replacement amount" pad="false" class="org.jpos.iso.IFB_AMOUNT2003"/>
    <isofield id="1" length="16" name="Replacement reconciliation amount" pad="false" class="org.jpos.iso.IFB_AMOUNT2003"/>
  </isofieldpackager>`), 'cmf');
  assert.deepEqual(dialect.fields['4'], { name: 'Amount, Transaction', type: 'n', length: 16, encoding: 'bcd', justify: 'left' });
  assert.deepEqual(dialect.fields['5'], { name: 'Amount, Reconciliation', type: 'n', length: 16, encoding: 'ascii' });
  const codec = createCodec(dialect);
  // Currency 840, exponent 2, amount 10.00: "8402" + "000000001000".
  const message = { '0': '0200', '4': '8402000000001000', '5': '8402000000001000', '30': { '0': '8402000000000500', '1': '8402000000000600' } };
  const image = codec.pack(message);
  assert.equal(
    image.subarray(10).toString('hex'),
    '8402000000001000' + Buffer.from('8402000000001000').toString('hex') + '8402000000000500' + '8402000000000600',
  );
  assert.deepEqual(codec.unpack(image), message);
});

test('jPOS CMF – an id defined twice keeps its last definition, as jPOS does (cmf.xml field 96)', () => {
  // GenericPackager puts each field element into its field map in document order, so a later element with the
  // same id replaces the earlier one: cmf.xml's second 96 (IFB_LLLBINARY 999) is the one jPOS packs with.
  const dialect = dialectFromPackagerXml(packagerWith(`
  <isofield id="96" length="9999" name="Reserved for ISO use" pad="false" class="org.jpos.iso.IFB_LLLLBINARY"/>
  <isofield id="92" length="9999" name="Reserved for ISO use" pad="false" class="org.jpos.iso.IFB_LLLLBINARY"/>
  <isofield id="96" length="999" name="Key management data" class="org.jpos.iso.IFB_LLLBINARY"/>
  <isofieldpackager id="48" length="999" name="F48" class="org.jpos.iso.IFB_LLLBINARY" emitBitmap="false"
      packager="org.jpos.iso.packager.GenericSubFieldPackager">
    <isofield id="1" length="2" name="First" class="org.jpos.iso.IF_CHAR"/>
    <isofield id="1" length="3" name="Second" class="org.jpos.iso.IF_CHAR"/>
  </isofieldpackager>`), 'cmf');
  assert.deepEqual(dialect.fields['96'], {
    name: 'Key management data',
    type: 'b',
    length: 999,
    encoding: 'binary',
    prefix: { encoding: 'bcd', digits: 3 },
  });
  assert.deepEqual(dialect.fields['48']?.subfields?.fields['1'], { name: 'Second', type: 'ans', length: 3, encoding: 'ascii' });
  const codec = createCodec(dialect);
  // Field 96 with a three-digit BCD prefix (2 bytes, 0003), as the second definition says.
  assert.equal(codec.pack({ '0': '0800', '96': 'a1b2c3' }).subarray(18).toString('hex'), '0003a1b2c3');
  // The XML reader keeps no order between an isofield and an isofieldpackager: that duplicate is refused.
  const err = refused(
    () => dialectFromPackagerXml(packagerWith(`<isofield id="48" length="999" name="A" class="org.jpos.iso.IFB_LLLCHAR"/>
      <isofieldpackager id="48" length="999" name="B" class="org.jpos.iso.IFB_LLLBINARY" packager="org.jpos.iso.packager.GenericSubFieldPackager">
        <isofield id="1" length="8" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>
      </isofieldpackager>`)),
    'ISO8583_ERR_PACKAGER_XML',
  );
  assert.equal(err.field, '48');
});

test('jPOS CMF – trim="true" is refused naming the field; trim="false" is the default', () => {
  // jPOS's ISOStringFieldPackager with trim set drops its padder (the value travels unpadded) and reads a fixed
  // field only up to the end of the bytes: a fixed-length sub-field then behaves as "at most N, to the end", which
  // no dialect field describes. Refused rather than ignored (ignoring it sent "F" padded to 9 where jPOS sends "F").
  const f59 = (trim: string) => packagerWith(`<isofieldpackager id="59" length="14" name="National POS Geographic Data" firstField="1"
      pad="true" class="org.jpos.iso.IFB_LLHBINARY" emitBitmap="false" packager="org.jpos.iso.packager.GenericSubFieldPackager">
    <isofield id="1" length="2" name="Field 59.1" class="org.jpos.iso.IFE_CHAR"/>
    <isofield id="2" length="3" name="Field 59.2" class="org.jpos.iso.IFE_CHAR"/>
    <isofield id="3" length="9" pad="true" ${trim} name="Field 59.3" class="org.jpos.iso.IFE_CHAR"/>
  </isofieldpackager>`);
  const err = refused(() => dialectFromPackagerXml(f59('trim="true"')), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(err.field, '59.3');
  assert.match(err.message, /trim="true" is not supported/);
  for (const trim of ['', 'trim="false"']) assert.equal(dialectFromPackagerXml(f59(trim)).fields['59']?.subfields?.fields['3']?.length, 9);
  assert.equal(refused(() => dialectFromPackagerXml(f59('trim="yes"')), 'ISO8583_ERR_PACKAGER_XML').field, '59.3');
});
