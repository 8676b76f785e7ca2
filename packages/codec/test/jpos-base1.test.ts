/**
 * jPOS `Base1SubFieldPackager` (VISA Base I sub-fields) in a GenericPackager file. The images are worked out by hand
 * from what jPOS's code computes: Base1SubFieldPackager takes its bitmap from sub-field 0 when that is a bitmap class
 * (and then starts its loops at sub-field 1), else lays the sub-fields out by position from 0; Base1_BITMAP126 packs
 * ISOUtil.bitSet2byte of the sub-message's bits (8 bytes while no sub-field is past 64, bit N marking sub-field N)
 * and unpacks 8 bytes without ever reading bit 1 as a secondary bitmap. Test data only.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, describe, dialectFromPackagerXml } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

/** A packager around `fields` (see jpos-support.ts). */
const packagerWith = (fields: string): string => jposPackager(fields, { mti: 'IFB_NUMERIC', bitmap: 'IFB_BITMAP' });

/** A VISA-style field 126: Base1_BITMAP126 at sub-field 0 (its length attribute, 16, is in bits and changes nothing). */
const F126 = (attributes = '', extra = '') => `<isofieldpackager id="126" length="255" name="Field 126" class="org.jpos.iso.IFB_LLHBINARY"
    packager="org.jpos.iso.packager.Base1SubFieldPackager" ${attributes}>
  <isofield id="0" length="16" name="Bit Map" class="org.jpos.iso.packager.Base1_BITMAP126"/>
  <isofield id="1" length="25" name="Customer Name" class="org.jpos.iso.IFE_CHAR"/>
  <isofield id="6" length="17" name="Cardholder Cert Serial Number" pad="true" class="org.jpos.iso.IFB_LLNUM"/>
  <isofield id="8" length="40" name="Transaction ID" pad="true" class="org.jpos.iso.IFB_NUMERIC"/>
  <isofield id="10" length="6" name="CVV2 Request Data" class="org.jpos.iso.IFE_CHAR"/>
  ${extra}
</isofieldpackager>`;

test('jPOS Base1SubFieldPackager – VISA-style field 126: Base1_BITMAP126 at 0, bit N marks sub-field N, packed and unpacked', () => {
  const dialect = dialectFromPackagerXml(packagerWith(F126()), 'visa');
  const sub = dialect.fields['126']?.subfields;
  assert.deepEqual(sub?.bitmap, { encoding: 'binary', length: 8 });
  assert.deepEqual(Object.keys(sub?.fields ?? {}), ['1', '6', '8', '10']);
  const codec = createCodec(dialect);
  const message = { '0': '0100', '126': { '1': 'JOHN SMITH', '6': '12345', '10': 'ABC' } };
  const image = codec.pack(message);
  // ISOMsg sets bits 1, 6 and 10 of the sub-message; bitSet2byte of a BitSet whose highest bit is 10 is 8 bytes:
  // bit 1 -> byte 0 0x80, bit 6 -> byte 0 0x04, bit 10 -> byte 1 0x40: 84 40 00 00 00 00 00 00.
  // Sub-field 1, IFE_CHAR 25: "JOHN SMITH" in EBCDIC, right-padded with EBCDIC spaces (0x40) to 25 bytes.
  // Sub-field 6, IFB_LLNUM pad="true": one BCD length byte (05), the digits right-justified: 01 23 45.
  // Sub-field 10, IFE_CHAR 6: "ABC" and three spaces. 8 + 25 + 4 + 6 = 43 bytes: IFB_LLHBINARY's length byte 0x2B.
  const f126 = '2b' + '8440000000000000' + 'd1d6c8d540e2d4c9e3c8' + '40'.repeat(15) + '05012345' + 'c1c2c3404040';
  // The message: MTI 0100 in BCD; bit 1 (a secondary bitmap) and bit 126 (secondary byte 7, 0x04).
  assert.equal(image.toString('hex'), '0100' + '8000000000000000' + '0000000000000004' + f126);
  assert.deepEqual(codec.unpack(image), {
    '0': '0100',
    '126': { '1': 'JOHN SMITH'.padEnd(25), '6': '12345', '10': 'ABC   ' },
  });
});

test('jPOS Base1SubFieldPackager – bit 1 of Base1_BITMAP126 marks sub-field 1, never a secondary bitmap', () => {
  const codec = createCodec(dialectFromPackagerXml(packagerWith(F126()), 'visa'));
  // Sub-field 8 alone (IFB_NUMERIC 40: 20 BCD bytes): bitmap 01 00 ..., bit 1 clear; with sub-field 1 too, bit 1 set
  // and jPOS's unpack (Base1_BITMAP126 reads 8 bytes whatever bit 1 says) goes straight on to sub-field 1.
  const id = '1234567890'.repeat(4);
  const alone = codec.pack({ '0': '0100', '126': { '8': id } });
  assert.equal(alone.subarray(18).toString('hex'), '1c' + '0100000000000000' + id);
  const both = { '0': '0100', '126': { '1': 'X'.repeat(25), '8': id } };
  const image = codec.pack(both);
  assert.equal(image.subarray(19, 27).toString('hex'), '8100000000000000');
  assert.deepEqual(codec.unpack(image), both);
});

test('jPOS Base1SubFieldPackager – a sub-field that will not pack is refused naming it (old jPOS logged it and left it out)', () => {
  const codec = createCodec(dialectFromPackagerXml(packagerWith(F126()), 'visa'));
  // Base1SubFieldPackager.pack in older jPOS caught the sub-field's exception, logged "error packing field" and sent
  // the rest without it (its bit still set by ISOMsg); current jPOS throws. Here packing fails, naming the sub-field.
  const err = refused(() => codec.pack({ '0': '0100', '126': { '1': 'X'.repeat(26), '10': 'ABC' } }), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(err.problems?.map((p) => p.field), ['126.1']);
});

test('jPOS Base1SubFieldPackager – the GenericPackager attributes are ignored, as jPOS never hands them to it', () => {
  // GenericPackager's loader sets emitBitmap, bitmapField and firstField only on a GenericPackager sub-packager.
  const plain = dialectFromPackagerXml(packagerWith(F126()), 'visa');
  const attributed = dialectFromPackagerXml(packagerWith(F126('emitBitmap="false" bitmapField="3" firstField="9"')), 'visa');
  assert.deepEqual(attributed, plain);
});

test('jPOS Base1SubFieldPackager – no secondary bitmap: sub-fields past 64 and a 16-byte bitmap class are refused', () => {
  const past = refused(() => dialectFromPackagerXml(packagerWith(F126('', '<isofield id="65" length="1" name="X" class="org.jpos.iso.IF_CHAR"/>'))), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(past.field, '126.65');
  const wide = F126().replace('length="16" name="Bit Map" class="org.jpos.iso.packager.Base1_BITMAP126"', 'length="16" name="Bit Map" class="org.jpos.iso.IFB_BITMAP"');
  const err = refused(() => dialectFromPackagerXml(packagerWith(wide)), 'ISO8583_ERR_PACKAGER_CLASS');
  assert.equal(err.field, '126.0');
  assert.match(err.message, /no secondary bitmap/);
  // Base1_BITMAP126 is a sub-field bitmap: as the message bitmap (bit 1 then never announces field 65 on) it is refused.
  const top = packagerWith('').replace('class="org.jpos.iso.IFB_BITMAP"', 'class="org.jpos.iso.packager.Base1_BITMAP126"');
  assert.equal(refused(() => dialectFromPackagerXml(top), 'ISO8583_ERR_PACKAGER_CLASS').field, '1');
});

test('jPOS Base1SubFieldPackager – without a bitmap class at 0: positional from sub-field 0, sent up to the last present', () => {
  const xml = packagerWith(`<isofieldpackager id="126" length="99" name="Positional" class="org.jpos.iso.IFA_LLCHAR"
      packager="org.jpos.iso.packager.Base1SubFieldPackager">
    <isofield id="0" length="2" name="A" class="org.jpos.iso.IF_CHAR"/>
    <isofield id="1" length="3" name="B" class="org.jpos.iso.IFA_NUMERIC"/>
    <isofield id="2" length="10" name="C" class="org.jpos.iso.IFA_LLCHAR"/>
  </isofieldpackager>`);
  const dialect = dialectFromPackagerXml(xml, 'visa');
  assert.equal(dialect.fields['126']?.subfields?.bitmap, undefined);
  assert.equal(dialect.fields['126']?.subfields?.omitTrailingAbsent, true);
  const codec = createCodec(dialect);
  // Base1SubFieldPackager.pack writes only the sub-fields present (from 0), and its unpack reads in order while
  // bytes remain: {0: "AB"} is "02AB", {0, 1} "05AB007".
  const f126 = (m: Record<string, string>) => codec.pack({ '0': '0100', '126': m }).subarray(18).toString('latin1');
  assert.equal(f126({ '0': 'AB' }), '02AB');
  assert.equal(f126({ '0': 'AB', '1': '7' }), '05AB007');
  const image = codec.pack({ '0': '0100', '126': { '0': 'AB', '1': '7' } });
  assert.deepEqual(codec.unpack(image), { '0': '0100', '126': { '0': 'AB', '1': '007' } });
});

test('jPOS Base1SubFieldPackager – 126.10 "CVV2 Request Data" is card verification data: masked, never shown', () => {
  // VISA's 126.10 carries a presence indicator, a response type and then the CVV2 itself: the name has "CVV2" and
  // "DATA" (not "VALUE"), and it was described in clear. Names without card data stay unmasked.
  const dialect = dialectFromPackagerXml(packagerWith(F126('', '<isofield id="20" length="1" name="CVV2 Presence Ind" class="org.jpos.iso.IFE_CHAR"/>')), 'visa');
  const sub = dialect.fields['126']?.subfields?.fields ?? {};
  assert.equal(sub['10']?.sensitive, 'cvv');
  assert.equal(sub['20']?.sensitive, undefined);
  const text = describe({ '0': '0100', '126': { '10': '11 987', '20': '1' } }, dialect);
  assert.doesNotMatch(text, /987/);
  assert.match(text, /126\.20 CVV2 Presence Ind: 1/);
});

test('jPOS sub-field names – every spelling of a card verification value is masked; result and presence fields are not', () => {
  const names: [string, 'cvv' | undefined][] = [
    ['CVV2', 'cvv'], ['CVC 2', 'cvv'], ['CVV2/CVC2', 'cvv'], ['Card Verification Value 2', 'cvv'], ['CVC2 Value', 'cvv'],
    ['CVV2 Request Data', 'cvv'], ['cvv_2', 'cvv'],
    ['CVV2 Presence Ind', undefined], ['CVV2 Result Data', undefined], ['CVV Data Presence', undefined],
    ['CVC2 Result', undefined], ['Customer Name', undefined],
  ];
  const extra = names.map(([name], i) => `<isofield id="${30 + i}" length="4" name="${name}" class="org.jpos.iso.IFE_CHAR"/>`).join('\n');
  const sub = dialectFromPackagerXml(packagerWith(F126('', extra)), 'visa').fields['126']?.subfields?.fields ?? {};
  assert.deepEqual(names.map(([name], i) => [name, sub[String(30 + i)]?.sensitive]), names);
});
