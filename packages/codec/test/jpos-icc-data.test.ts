/**
 * jPOS's ICCDataPackager (cmfv3.xml field 55): raw BER-TLV inside the outer class, no dataset envelope. The import
 * makes it a binary field of that class, marked as EMV data; DatasetPackager (the 2023 dataset envelopes and DBM
 * bitmaps) stays refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, describe, dialectFromPackagerXml } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

const PAN = '4761739001010010';
/** 9F02 (amount authorised) 10.00, 5F2A (currency) 0840, 82 (AIP) 1980: 18 bytes of BER-TLV. */
const TLV = '9F0206000000001000' + '5F2A020840' + '82021980';

/** cmfv3.xml's message type, bitmap, field 2 and field 55, with `f55class` and `packagerClass` for field 55. */
const cmfv3 = (f55class = 'IFB_LLLLBINARY', packagerClass = 'org.jpos.iso.packager.ICCDataPackager', children = ''): string =>
  jposPackager(
    `<isofield id="2" length="19" name="Primary Account number" pad="false" class="org.jpos.iso.IFB_LLNUM"/>
  <isofieldpackager id="55" length="9999" name="IC system related data" class="org.jpos.iso.${f55class}"
      packager="${packagerClass}">${children}</isofieldpackager>`,
    { mti: 'IFB_NUMERIC', bitmap: 'IFB_BITMAP' },
  );

test('jPOS ICC data – field 55 is the BER-TLV bytes after the outer class prefix, byte for byte', () => {
  const dialect = dialectFromPackagerXml(cmfv3(), 'cmfv3');
  assert.deepEqual(dialect.fields['55'], {
    name: 'IC system related data',
    type: 'b',
    length: 9999,
    encoding: 'binary',
    prefix: { encoding: 'bcd', digits: 4 },
    sensitive: 'emv',
  });
  // Built from jPOS's rules: MTI IFB_NUMERIC (2 bytes), IFB_BITMAP with bits 2 and 55, 2 as IFB_LLNUM (BCD length
  // 16, then 8 bytes), 55 as IFB_LLLLBINARY (BCD length 0018, two bytes) then the TLV bytes ICCDataPackager packs.
  const image = Buffer.from('0100' + '4000000000000200' + '16' + PAN + '0018' + TLV, 'hex');
  const codec = createCodec(dialect);
  const message = { '0': '0100', '2': PAN, '55': TLV };
  assert.deepEqual(codec.pack(message), image);
  assert.deepEqual(codec.unpack(image), message);
  // Card data: the data objects' tags are shown, their values never.
  const text = describe(message, dialect);
  assert.match(text, /9F02/);
  assert.doesNotMatch(text, /000000001000/);
  assert.doesNotMatch(text, new RegExp(PAN));
});

test('jPOS ICC data – sub-field elements are ignored, as ICCDataPackager ignores them; any BINARY class carries it', () => {
  const children = '<isofield id="1" length="8" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>';
  assert.deepEqual(dialectFromPackagerXml(cmfv3('IFB_LLLLBINARY', 'ICCDataPackager', children)).fields['55']?.subfields, undefined);
  const ascii = createCodec(dialectFromPackagerXml(cmfv3('IFA_LLLLBINARY')));
  assert.equal(ascii.pack({ '0': '0100', '55': TLV }).subarray(10).toString('hex'), Buffer.from('0018').toString('hex') + TLV.toLowerCase());
});

test('jPOS ICC data – a class that is no BINARY one is refused naming the field; DatasetPackager stays refused', () => {
  const err = refused(() => dialectFromPackagerXml(cmfv3('IFB_LLLCHAR')), 'ISO8583_ERR_PACKAGER_CLASS');
  assert.equal(err.field, '55');
  assert.match(err.message, /BER-TLV/);
  // Another package's class of that name is not jPOS's.
  assert.equal(refused(() => dialectFromPackagerXml(cmfv3('IFB_LLLLBINARY', 'com.example.ICCDataPackager')), 'ISO8583_ERR_PACKAGER_CLASS').field, '55');
  const dataset = refused(() => dialectFromPackagerXml(cmfv3('IFB_LLLLBINARY', 'org.jpos.iso.packager.DatasetPackager')), 'ISO8583_ERR_PACKAGER_CLASS');
  assert.equal(dataset.field, '55');
  assert.match(dataset.message, /DatasetPackager/);
});
