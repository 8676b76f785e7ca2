/**
 * The jPOS GenericPackager import against jPOS's own load-time rules: the sub-field bitmap of `emitBitmap` and
 * `bitmapField`, maximum lengths the length prefix can carry, the classes jPOS ships, and XML it will not read.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromPackagerXml, isIso8583Error } from '../src/index.js';

/** A packager with a binary MTI and bitmap (as jPOS's cmf.xml) and the given field elements. */
function packagerWith(fields: string): string {
  return `<isopackager>
  <isofield id="0" length="4" name="MTI" pad="false" class="org.jpos.iso.IFB_NUMERIC"/>
  <isofield id="1" length="16" name="Bitmap" class="org.jpos.iso.IFB_BITMAP"/>
  ${fields}
</isopackager>`;
}

function refused(xml: string, code: string): Error & { field?: string } {
  try {
    dialectFromPackagerXml(xml, 'p');
  } catch (err) {
    assert.ok(isIso8583Error(err), String(err));
    assert.equal(err.code, code, err.message);
    return err;
  }
  return assert.fail(`expected ${code}`);
}

// jPOS cmf.xml, fields 43 and 49 (shortened): GenericSubFieldPackager, the bitmap at sub-field 0.
const CMF_43 = `<isofieldpackager id="43" length="9999" name="Card acceptor name/location" class="org.jpos.iso.IFB_LLLLBINARY"
    emitBitmap="true" bitmapField="0" packager="org.jpos.iso.packager.GenericSubFieldPackager">
  <isofield id="0" length="16" name="Bit Map" class="org.jpos.iso.IFB_BITMAP"/>
  <isofield id="2" length="50" name="Card acceptor name" class="org.jpos.iso.IFB_LLCHAR"/>
  <isofield id="4" length="50" name="Card acceptor city" class="org.jpos.iso.IFB_LLCHAR"/>
  <isofield id="7" length="3" name="Card acceptor country code" class="org.jpos.iso.IF_CHAR"/>
</isofieldpackager>`;
const CMF_49 = `<isofieldpackager id="49" length="9999" name="Verification data" class="org.jpos.iso.IFB_LLLLBINARY"
    emitBitmap="true" bitmapField="0" packager="org.jpos.iso.packager.GenericSubFieldPackager">
  <isofield id="0" length="16" name="Bit Map" class="org.jpos.iso.IFB_BITMAP"/>
  <isofield id="1" length="1" name="Additional identification type" class="org.jpos.iso.IFB_NUMERIC"/>
  <isofield id="2" length="4" name="Card verification data" class="org.jpos.iso.IFB_NUMERIC"/>
</isofieldpackager>`;

test('jPOS import rules – bitmapField="0" (cmf.xml 43): sub-field 0 is the bitmap, with the message rules of a 16-byte bitmap', () => {
  const dialect = dialectFromPackagerXml(packagerWith(CMF_43), 'cmf');
  const sub = dialect.fields['43']?.subfields;
  assert.ok(sub !== undefined);
  assert.deepEqual(sub.bitmap, { encoding: 'binary' });
  assert.deepEqual(Object.keys(sub.fields), ['2', '4', '7']);
  const codec = createCodec(dialect);
  const message = { '0': '0100', '43': { '2': 'ACME', '4': 'MONTEVIDEO', '7': 'URY' } };
  const image = codec.pack(message);
  // MTI (2) + bitmap (8), then the length (2 BCD bytes) and the sub-field bitmap: bits 2, 4 and 7.
  assert.equal(image.subarray(12, 20).toString('hex'), '5200000000000000');
  assert.deepEqual(codec.unpack(image), message);
});

test('jPOS import rules – cmf.xml 49: a data sub-field 1 beside a 16-byte bitmap at 0 is dropped (jPOS cannot read it back)', () => {
  // jPOS packs 49 with its bitmap class at sub-field 0; ISOMsg sets bit 1 when sub-field 1 is present, and IFB_BITMAP's
  // unpack takes a set bit 1 as the announcement of a secondary bitmap (8 more bytes), so jPOS cannot read a 49.1 it
  // sent. Without 49.1 jPOS reads its own 49: the import keeps that, and packing 49.1 is refused as unknown.
  const dialect = dialectFromPackagerXml(packagerWith(CMF_49), 'p');
  const sub = dialect.fields['49']?.subfields;
  assert.deepEqual(Object.keys(sub?.fields ?? {}), ['2']);
  const codec = createCodec(dialect);
  const message = { '0': '0100', '49': { '2': '1234' } };
  const image = codec.pack(message);
  // MTI (2) + bitmap (8), the length (2 BCD bytes: 0010), the sub-field bitmap (bit 2) and 1234 in BCD.
  assert.equal(image.subarray(10).toString('hex'), '0010' + '4000000000000000' + '1234');
  assert.deepEqual(codec.unpack(image), message);
  assert.throws(() => codec.pack({ '0': '0100', '49': { '1': '1', '2': '1234' } }), (err: unknown) => isIso8583Error(err) && err.message.includes('49.1'));
});

test('jPOS import rules – emitBitmap="false": no sub-field bitmap travels, a bitmap class at sub-field 1 is skipped', () => {
  const dialect = dialectFromPackagerXml(packagerWith(`
    <isofieldpackager id="48" length="999" name="P" class="org.jpos.iso.IFA_LLLCHAR" emitBitmap="false"
        packager="org.jpos.iso.packager.GenericSubFieldPackager">
      <isofield id="1" length="8" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>
      <isofield id="2" length="3" name="A" class="org.jpos.iso.IF_CHAR"/>
      <isofield id="3" length="2" name="B" class="org.jpos.iso.IF_CHAR"/>
    </isofieldpackager>`));
  const sub = dialect.fields['48']?.subfields;
  assert.ok(sub !== undefined);
  assert.equal(sub.bitmap, undefined);
  assert.deepEqual(Object.keys(sub.fields), ['2', '3']);
  const codec = createCodec(dialect);
  const image = codec.pack({ '0': '0100', '48': { '2': 'ABC', '3': 'DE' } });
  // MTI (2) + bitmap (8) + length 005 + the two sub-fields, no bitmap between.
  assert.equal(image.subarray(10).toString('latin1'), '005ABCDE');
});

test('jPOS import rules – headerLength: header bytes with a nested GenericPackager, none with GenericSubFieldPackager (as jPOS)', () => {
  const composite = (packager: string) => packagerWith(`
    <isofieldpackager id="48" length="999" name="P" class="org.jpos.iso.IFA_LLLBINARY" headerLength="1" bitmapField="0"
        packager="org.jpos.iso.packager.${packager}">
      <isofield id="0" length="2" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>
      <isofield id="2" length="3" name="A" class="org.jpos.iso.IF_CHAR"/>
    </isofieldpackager>`);
  assert.equal(dialectFromPackagerXml(composite('GenericPackager')).fields['48']?.subfields?.headerLength, 1);
  // GenericSubFieldPackager.pack and unpack never write or read the header that ISOBasePackager handles.
  assert.equal(dialectFromPackagerXml(composite('GenericSubFieldPackager')).fields['48']?.subfields?.headerLength, undefined);
});

test('jPOS import rules – emitBitmap and bitmapField that name no bitmap are refused naming the attribute', () => {
  const composite = (attributes: string, first: string) => packagerWith(`
    <isofieldpackager id="48" length="999" name="P" class="org.jpos.iso.IFA_LLLCHAR" ${attributes}
        packager="org.jpos.iso.packager.GenericSubFieldPackager">
      ${first}
      <isofield id="2" length="3" name="A" class="org.jpos.iso.IF_CHAR"/>
    </isofieldpackager>`);
  const notBitmap = refused(composite('', '<isofield id="1" length="2" name="X" class="org.jpos.iso.IF_CHAR"/>'), 'ISO8583_ERR_PACKAGER_CLASS');
  assert.equal(notBitmap.field, '48.1');
  assert.match(notBitmap.message, /emitBitmap is true \(the default\) and bitmapField \(default 1\) names sub-field 1/);
  const missing = refused(composite('bitmapField="5"', ''), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(missing.field, '48');
  assert.match(missing.message, /bitmapField names sub-field 5, which is not defined/);
  const yes = refused(composite('emitBitmap="yes"', ''), 'ISO8583_ERR_PACKAGER_XML');
  assert.match(yes.message, /emitBitmap is neither true nor false/);
});

test('jPOS import rules – a data sub-field 0 beside a sub-field bitmap: a nested MTI refused (GenericPackager), unread (GenericSubFieldPackager)', () => {
  const composite = (packager: string) => packagerWith(`
      <isofieldpackager id="48" length="999" name="P" class="org.jpos.iso.IFA_LLLBINARY"
          packager="org.jpos.iso.packager.${packager}">
        <isofield id="0" length="2" name="NESTED MTI" class="org.jpos.iso.IFA_NUMERIC"/>
        <isofield id="1" length="2" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>
        <isofield id="3" length="2" name="A" class="org.jpos.iso.IFA_NUMERIC"/>
      </isofieldpackager>`);
  // ISOBasePackager.unpack reads a field 0 that is no bitmap before the bitmap (the nested message's MTI): no bit of
  // a bitmap marks it, so the dialect rule refuses it.
  const err = refused(composite('GenericPackager'), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(err.field, '48.0');
  assert.match(err.message, /no bit of a bitmap marks number 0/);
  // GenericSubFieldPackager's loops start at getFirstField(), 2 here (a bitmap class at 1): sub-field 0 is never read.
  const sub = dialectFromPackagerXml(composite('GenericSubFieldPackager')).fields['48']?.subfields;
  assert.deepEqual(Object.keys(sub?.fields ?? {}), ['3']);
});

test('jPOS import rules – a length the length prefix cannot carry is refused at load, as jPOS checkLength does', () => {
  for (const [cls, length, max] of [['IFA_LLCHAR', 150, 99], ['IFB_LLHNUM', 300, 255], ['IFB_LLLCHAR', 1000, 999], ['IFE_LLBINARY', 100, 99]] as const) {
    const err = refused(packagerWith(`<isofield id="48" length="${length}" name="X" class="org.jpos.iso.${cls}"/>`), 'ISO8583_ERR_PACKAGER_XML');
    assert.equal(err.field, '48', cls);
    assert.match(err.message, new RegExp(`length: maximum ${length} is more than its .* length prefix carries \\(${max}\\)`), cls);
    dialectFromPackagerXml(packagerWith(`<isofield id="48" length="${max}" name="X" class="org.jpos.iso.${cls}"/>`));
  }
});

// The variable-length classes of jPOS's org.jpos.iso package (jpos/src/main/java/org/jpos/iso), and names that
// follow the same pattern but that jPOS does not ship.
const SHIPPED = [
  'IFA_LCHAR', 'IFA_LLCHAR', 'IFA_LLLCHAR', 'IFA_LLLLCHAR', 'IFA_LLLLLCHAR', 'IFA_LLLLLLCHAR', 'IFA_LLNUM', 'IFA_LLLNUM',
  'IFA_LBINARY', 'IFA_LLBINARY', 'IFA_LLLBINARY', 'IFA_LLLLBINARY', 'IFA_LLLLLBINARY', 'IFA_LLLLLLBINARY',
  'IFB_LLCHAR', 'IFB_LLLCHAR', 'IFB_LLLLCHAR', 'IFB_LLLLLLCHAR', 'IFB_LLNUM', 'IFB_LLLNUM', 'IFB_LLBINARY', 'IFB_LLLBINARY',
  'IFB_LLLLBINARY', 'IFE_LCHAR', 'IFE_LLCHAR', 'IFE_LLLCHAR', 'IFE_LLLLCHAR', 'IFE_LNUM', 'IFE_LLNUM', 'IFE_LLLNUM',
  'IFE_LBINARY', 'IFE_LLBINARY', 'IFE_LLLBINARY', 'IFE_LLLLBINARY', 'IF_CHAR',
];
const NOT_SHIPPED = [
  'IFA_LNUM', 'IFA_LLLLNUM', 'IFA_LLLLLLNUM', 'IFB_LCHAR', 'IFB_LLLLLCHAR', 'IFB_LNUM', 'IFB_LLLLNUM', 'IFB_LBINARY',
  'IFB_LLLLLBINARY', 'IFB_LLLLLLBINARY', 'IFE_LLLLLCHAR', 'IFE_LLLLLLCHAR', 'IFE_LLLLNUM', 'IFE_LLLLLLNUM',
  'IFE_LLLLLBINARY', 'IFE_LLLLLLBINARY', 'IFA_CHAR',
];

test('jPOS import rules – the classes jPOS ships import, names it does not ship are refused (never guessed)', () => {
  for (const cls of SHIPPED) dialectFromPackagerXml(packagerWith(`<isofield id="48" length="9" name="X" class="org.jpos.iso.${cls}"/>`));
  for (const cls of NOT_SHIPPED) {
    const err = refused(packagerWith(`<isofield id="48" length="9" name="X" class="${cls}"/>`), 'ISO8583_ERR_PACKAGER_CLASS');
    assert.equal(err.field, '48', cls);
    assert.match(err.message, new RegExp(cls));
  }
});

test('jPOS import rules – an external entity is refused with the reason in the message; the DTD reference is not fetched', () => {
  const xxe = `<?xml version="1.0"?><!DOCTYPE isopackager [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>${packagerWith(
    '<isofield id="2" length="19" name="&xxe;" class="org.jpos.iso.IFA_LLNUM"/>',
  )}`;
  const err = refused(xxe, 'ISO8583_ERR_PACKAGER_XML');
  assert.match(err.message, /entity "xxe" is an external entity \(SYSTEM or PUBLIC\)/);
  const stock = `<?xml version="1.0"?><!DOCTYPE isopackager PUBLIC "-//jPOS/jPOS Generic Packager DTD 1.0//EN"
    "http://127.0.0.1:9/generic-packager-1.0.dtd">${packagerWith('')}`;
  assert.equal(dialectFromPackagerXml(stock, 'stock').name, 'stock');
});

test('jPOS import rules – a message bitmap of other than 16 or 24 bytes is refused naming field 1', () => {
  // jPOS's IFB_BITMAP and IFA_BITMAP read `length` bytes at most (ISOUtil.byte2BitSet with length << 3 bits): with 8 a
  // set bit 1 never brings a secondary bitmap, where the import would read one; with 20 a tertiary bitmap is cut short.
  for (const cls of ['IFB_BITMAP', 'IFA_BITMAP', 'IFE_BITMAP']) {
    for (const length of [8, 12, 20]) {
      const xml = packagerWith('<isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFB_LLNUM"/>').replace(
        '<isofield id="1" length="16" name="Bitmap" class="org.jpos.iso.IFB_BITMAP"/>',
        `<isofield id="1" length="${length}" name="Bitmap" class="org.jpos.iso.${cls}"/>`,
      );
      const err = refused(xml, 'ISO8583_ERR_PACKAGER_XML');
      assert.equal(err.field, '1');
      assert.match(err.message, new RegExp(`field 1 \\(the message bitmap\\) has length ${length}`));
    }
  }
  // 16 and 24 (and more, which jPOS reads as 24) import as before.
  for (const length of [16, 24, 32]) {
    const xml = packagerWith('').replace('length="16" name="Bitmap"', `length="${length}" name="Bitmap"`);
    assert.equal(dialectFromPackagerXml(xml, 'p').bitmap.tertiary, length > 16 ? true : undefined);
  }
});
