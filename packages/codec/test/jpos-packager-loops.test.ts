/**
 * The jPOS GenericPackager import against what jPOS's pack and unpack loops do with a packager's attributes:
 * `firstField` (ISOBasePackager.getFirstField and GenericPackager's override), `emitBitmap="false"`
 * (GenericSubFieldPackager.pack) and a 24-byte sub-field bitmap (bit 65 and sub-field 65). Each case cites the jPOS
 * method it follows, in words; the images are built by hand from what that method writes or reads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { propertyRuns } from '@iso8583/test-support';
import fc from 'fast-check';
import { createCodec, dialectFromPackagerXml } from '../src/index.js';
import type { IsoMessage } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

/** A packager of text message type and bitmap around `fields`, with `rootAttributes` on `<isopackager>`. */
const packagerWith = (fields: string, rootAttributes = ''): string => jposPackager(fields, { attributes: rootAttributes });

const ascii = (text: string): Buffer => Buffer.from(text, 'latin1');

// --- firstField on the message ---

const AMOUNTS = `
  <isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>
  <isofield id="3" length="6" name="PROCESSING CODE" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="4" length="12" name="AMOUNT" class="org.jpos.iso.IFA_NUMERIC"/>
  <isofield id="11" length="6" name="STAN" class="org.jpos.iso.IFA_NUMERIC"/>`;

test('jPOS loops – isopackager firstField="4": fields below it are never read or written, their bits ignored', () => {
  const dialect = dialectFromPackagerXml(packagerWith(AMOUNTS, 'firstField="4"'), 'first4');
  assert.equal(dialect.bitmap.firstField, 4);
  assert.deepEqual(Object.keys(dialect.fields), ['4', '11']);
  const codec = createCodec(dialect);
  // ISOBasePackager.unpack reads the MTI, then the bitmap, then runs its field loop from getFirstField() (the
  // attribute, says GenericPackager) up: bits 2 and 3 of a jPOS peer's message mark nothing it reads.
  const fromPeer = ascii('0200' + '7020000000000000' + '000000001000' + '000001');
  assert.deepEqual(codec.unpack(fromPeer), { '0': '0200', '4': '000000001000', '11': '000001' });
  // ISOBasePackager.pack writes the MTI first (getFirstField() is over 0), the bitmap, then fields from 4 up.
  const message: IsoMessage = { '0': '0200', '4': '000000001000', '11': '000001' };
  assert.deepEqual(codec.pack(message), ascii('0200' + '1020000000000000' + '000000001000' + '000001'));
  // jPOS would set bit 3 and send no data for it; here a field below firstField is no field of the dialect.
  const err = refused(() => codec.pack({ ...message, '3': '000000' }), 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(err.problems?.map((p) => [p.field, p.code]), [['3', 'ISO8583_ERR_FIELD_UNKNOWN']]);
});

test('jPOS loops – isopackager firstField="4", any message: bits 2 and 3 set by a peer change nothing read', () => {
  const codec = createCodec(dialectFromPackagerXml(packagerWith(AMOUNTS, 'firstField="4"')));
  const message = fc.record(
    { '4': fc.stringMatching(/^[0-9]{12}$/), '11': fc.stringMatching(/^[0-9]{6}$/) },
    { requiredKeys: [], noNullPrototype: true },
  );
  fc.assert(
    fc.property(message, fc.integer({ min: 0, max: 3 }), (fields, below) => {
      const sent = { '0': '0200', ...fields };
      const image = Buffer.from(codec.pack(sent));
      // The first hex digit of the bitmap holds bits 1-4: bit 2 is its 4, bit 3 its 2.
      image[4] = '0123456789ABCDEF'.charCodeAt(parseInt(image.toString('latin1', 4, 5), 16) | (below << 1));
      assert.deepEqual(codec.unpack(image), sent);
    }),
    propertyRuns(200, 20),
  );
});

test('jPOS loops – isopackager firstField="2" is the default; 0 and 1 are refused (jPOS cannot read what it packs)', () => {
  assert.equal(dialectFromPackagerXml(packagerWith(AMOUNTS, 'firstField="2"')).bitmap.firstField, undefined);
  // firstField 0: ISOBasePackager.pack writes field 0 before the bitmap only when the first field is over 0, so the
  // MTI goes out after the bitmap (in the field loop), while unpack reads it before the bitmap.
  const zero = refused(() => dialectFromPackagerXml(packagerWith(AMOUNTS, 'firstField="0"')), 'ISO8583_ERR_PACKAGER_XML');
  assert.match(zero.message, /firstField 0: jPOS packs the MTI after the bitmap but reads it before it/);
  // firstField 1: the unpack loop visits field 1 and, when bit 1 is set (a secondary bitmap), reads the bytes after
  // the bitmaps with field 1's packager, a bitmap class.
  const one = refused(() => dialectFromPackagerXml(packagerWith(AMOUNTS, 'firstField="1"')), 'ISO8583_ERR_PACKAGER_XML');
  assert.match(one.message, /firstField 1: jPOS reads the bytes after a secondary bitmap as another bitmap/);
  refused(() => dialectFromPackagerXml(packagerWith(AMOUNTS, 'firstField="x"')), 'ISO8583_ERR_PACKAGER_XML');
});

test('jPOS loops – isopackager emitBitmap="false", bitmapField other than 1 and thirdBitmapField are refused, not ignored', () => {
  // GenericPackager hands them to ISOBasePackager, whose pack and unpack then lay the message out in ways a dialect
  // does not describe (no bitmap; the bitmap with another field's class; the tertiary bitmap inside a data element).
  for (const [attributes, reason] of [
    ['emitBitmap="false"', /emitBitmap="false" \(a message without a bitmap\) is not supported/],
    ['bitmapField="2"', /bitmapField="2" is not supported/],
    ['thirdBitmapField="65"', /thirdBitmapField .* is not supported/],
  ] as const) {
    const err = refused(() => dialectFromPackagerXml(packagerWith(AMOUNTS, attributes)), 'ISO8583_ERR_PACKAGER_XML');
    assert.match(err.message, reason);
  }
  assert.equal(dialectFromPackagerXml(packagerWith(AMOUNTS, 'emitBitmap="true" bitmapField="1"')).bitmap.firstField, undefined);
});

// --- firstField on a composite ---

test('jPOS loops – GenericSubFieldPackager firstField: sub-fields below it are not read, a data sub-field 0 only from 0', () => {
  const composite = (attributes: string) => packagerWith(`
    <isofieldpackager id="48" length="999" name="P" class="org.jpos.iso.IFA_LLLCHAR" emitBitmap="false" ${attributes}
        packager="org.jpos.iso.packager.GenericSubFieldPackager">
      <isofield id="0" length="2" name="KIND" class="org.jpos.iso.IF_CHAR"/>
      <isofield id="1" length="2" name="A" class="org.jpos.iso.IF_CHAR"/>
      <isofield id="2" length="3" name="B" class="org.jpos.iso.IF_CHAR"/>
    </isofieldpackager>`);
  const keys = (attributes: string) => Object.keys(dialectFromPackagerXml(composite(attributes)).fields['48']?.subfields?.fields ?? {});
  // ISOBasePackager.getFirstField(): field 0 is no composite and fields above 0 exist, and field 1 is no bitmap class,
  // so 1: GenericSubFieldPackager's loops never visit sub-field 0.
  assert.deepEqual(keys(''), ['1', '2']);
  // The attribute wins (GenericPackager.getFirstField): from 0 every sub-field travels, from 2 only sub-field 2.
  assert.deepEqual(keys('firstField="0"'), ['0', '1', '2']);
  assert.deepEqual(keys('firstField="2"'), ['2']);
  const codec = createCodec(dialectFromPackagerXml(composite('firstField="0"')));
  const image = codec.pack({ '0': '0100', '48': { '0': 'K1', '1': 'AA', '2': 'BBB' } });
  assert.equal(image.subarray(20).toString('latin1'), '007K1AABBB');
});

test('jPOS loops – nested GenericPackager without a bitmap: sub-field 0 is read first whatever firstField says', () => {
  const composite = (attributes: string) => packagerWith(`
    <isofieldpackager id="48" length="999" name="P" class="org.jpos.iso.IFA_LLLCHAR" emitBitmap="false" ${attributes}
        packager="org.jpos.iso.packager.GenericPackager">
      <isofield id="0" length="2" name="KIND" class="org.jpos.iso.IF_CHAR"/>
      <isofield id="1" length="2" name="A" class="org.jpos.iso.IF_CHAR"/>
      <isofield id="2" length="3" name="B" class="org.jpos.iso.IF_CHAR"/>
    </isofieldpackager>`);
  // ISOBasePackager.unpack reads a field 0 that is no bitmap before the bitmap and the loop (the nested MTI), and pack
  // writes it first when the first field is over 0; the loop then starts at firstField.
  const sub = dialectFromPackagerXml(composite('firstField="2"')).fields['48']?.subfields;
  assert.deepEqual(Object.keys(sub?.fields ?? {}), ['0', '2']);
  // With firstField 0 unpack reads sub-field 0 twice (before the loop and at its start) but pack writes it once.
  const err = refused(() => dialectFromPackagerXml(composite('firstField="0"')), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(err.field, '48.0');
});

test('jPOS loops – a sub-field bitmap with firstField="3": bits 1 and 2 are ignored on unpack', () => {
  const dialect = dialectFromPackagerXml(packagerWith(`
    <isofieldpackager id="48" length="999" name="P" class="org.jpos.iso.IFA_LLLBINARY" bitmapField="0" firstField="3"
        packager="org.jpos.iso.packager.GenericSubFieldPackager">
      <isofield id="0" length="1" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>
      <isofield id="1" length="2" name="A" class="org.jpos.iso.IF_CHAR"/>
      <isofield id="2" length="2" name="B" class="org.jpos.iso.IF_CHAR"/>
      <isofield id="3" length="3" name="C" class="org.jpos.iso.IF_CHAR"/>
    </isofieldpackager>`));
  const sub = dialect.fields['48']?.subfields;
  assert.deepEqual(sub?.bitmap, { encoding: 'binary', length: 1, firstField: 3 });
  assert.deepEqual(Object.keys(sub?.fields ?? {}), ['3']);
  const codec = createCodec(dialect);
  // GenericSubFieldPackager.unpack: the bitmap, then its loop from getFirstField() (3) over the set bits.
  const image = Buffer.concat([ascii('0100' + '0000000000010000' + '004'), Buffer.from([0xe0]), ascii('CCC')]);
  assert.deepEqual(codec.unpack(image), { '0': '0100', '48': { '3': 'CCC' } });
});

// --- emitBitmap="false": up to the highest sub-field present ---

const POSITIONAL = packagerWith(`
  <isofieldpackager id="48" length="999" name="P" class="org.jpos.iso.IFA_LLLCHAR" emitBitmap="false"
      packager="org.jpos.iso.packager.GenericSubFieldPackager">
    <isofield id="1" length="3" name="A" class="org.jpos.iso.IF_CHAR"/>
    <isofield id="2" length="10" name="B" class="org.jpos.iso.IFA_LLCHAR"/>
    <isofield id="3" length="4" name="C" class="org.jpos.iso.IFA_NUMERIC"/>
    <isofield id="4" length="2" name="D" class="org.jpos.iso.IF_CHAR"/>
  </isofieldpackager>`);

test('jPOS loops – emitBitmap="false": sub-fields after the highest present one are not sent', () => {
  const dialect = dialectFromPackagerXml(POSITIONAL);
  assert.equal(dialect.fields['48']?.subfields?.omitTrailingAbsent, true);
  const codec = createCodec(dialect);
  // GenericSubFieldPackager.pack runs from the first field to the composite's highest field number present.
  const one = codec.pack({ '0': '0100', '48': { '1': 'AB' } });
  assert.equal(one.subarray(20).toString('latin1'), '003AB ');
  assert.deepEqual(codec.unpack(one), { '0': '0100', '48': { '1': 'AB ' } });
  // Nothing present: nothing to send.
  assert.equal(codec.pack({ '0': '0100', '48': {} }).subarray(20).toString('latin1'), '000');
});

test('jPOS loops – emitBitmap="false": an absent sub-field before the highest present one travels empty', () => {
  const codec = createCodec(dialectFromPackagerXml(POSITIONAL));
  // In that loop an absent sub-field becomes an empty ISOField that its own class packs: IF_CHAR pads with spaces,
  // IFA_LLCHAR sends a zero length, IFA_NUMERIC pads with zeros.
  const image = codec.pack({ '0': '0100', '48': { '3': '12', '1': 'A' } });
  assert.equal(image.subarray(20).toString('latin1'), '009A  000012');
  assert.deepEqual(codec.unpack(image), { '0': '0100', '48': { '1': 'A  ', '2': '', '3': '0012' } });
  // GenericSubFieldPackager.unpack stops where the field's bytes end: a peer's shorter composite reads as far as it goes.
  assert.deepEqual(codec.unpack(ascii('0100' + '0000000000010000' + '005ABC00')), { '0': '0100', '48': { '1': 'ABC', '2': '' } });
  assert.deepEqual(codec.validate({ '0': '0100', '48': { '2': 'X' } }), []);
});

test('jPOS loops – emitBitmap="false", any sub-fields: sent up to the highest present, read back as sent', () => {
  const codec = createCodec(dialectFromPackagerXml(POSITIONAL));
  const text = (max: number) => fc.stringMatching(new RegExp(`^[A-Z0-9]{0,${max}}$`));
  const subFields = fc.record(
    { '1': text(3), '2': text(10), '3': fc.stringMatching(/^[0-9]{0,4}$/), '4': text(2) },
    { requiredKeys: [], noNullPrototype: true },
  );
  fc.assert(
    fc.property(subFields, (sub) => {
      const image = codec.pack({ '0': '0100', '48': sub });
      const back = codec.unpack(image)['48'] as IsoMessage;
      const highest = Math.max(0, ...Object.keys(sub).map(Number));
      assert.deepEqual(Object.keys(back), Array.from({ length: highest }, (_, i) => String(i + 1)));
      assert.deepEqual(codec.pack({ '0': '0100', '48': back }), image);
    }),
    propertyRuns(200, 20),
  );
});

test('jPOS loops – emitBitmap="false" inside a fixed-length class: every sub-field travels (jPOS would misread its own)', () => {
  const dialect = dialectFromPackagerXml(packagerWith(`
    <isofieldpackager id="3" length="6" name="PROCESSING CODE" class="org.jpos.iso.IFA_NUMERIC" emitBitmap="false"
        packager="org.jpos.iso.packager.GenericSubFieldPackager">
      <isofield id="1" length="2" name="TYPE" class="org.jpos.iso.IFA_NUMERIC"/>
      <isofield id="2" length="2" name="FROM" class="org.jpos.iso.IFA_NUMERIC"/>
      <isofield id="3" length="2" name="TO" class="org.jpos.iso.IFA_NUMERIC"/>
    </isofieldpackager>`));
  assert.equal(dialect.fields['3']?.subfields?.omitTrailingAbsent, undefined);
  // jPOS: GenericSubFieldPackager.pack gives "01", and ISOMsgFieldPackager hands it to IFA_NUMERIC, which zero-pads
  // it to "000001", read back as TYPE 00, TO 01. Here the three sub-fields travel, as jPOS reads them.
  const image = createCodec(dialect).pack({ '0': '0200', '3': { '1': '01' } });
  assert.equal(image.subarray(20).toString('latin1'), '010000');
});

test('a fixed-length value shown as hex that is short is padded by whole bytes', () => {
  const codec = createCodec({
    name: 'hex-pad',
    mti: { encoding: 'ascii' },
    bitmap: { encoding: 'hex' },
    fields: { '48': { name: 'X', type: 'b', length: 4, encoding: 'binary', pad: { side: 'left', char: '0' } } },
  });
  assert.deepEqual(codec.pack({ '0': '0800', '48': '0102' }).subarray(20), Buffer.from([0, 0, 1, 2]));
});

// --- A 24-byte sub-field bitmap: bit 65 announces the tertiary bitmap ---

const tertiary = (packager: string, f65: string) => packagerWith(`
  <isofieldpackager id="127" length="9999" name="P" class="org.jpos.iso.IFA_LLLLBINARY"
      packager="org.jpos.iso.packager.${packager}">
    <isofield id="1" length="24" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>
    <isofield id="2" length="2" name="A" class="org.jpos.iso.IF_CHAR"/>
    ${f65}
    <isofield id="129" length="1" name="D" class="org.jpos.iso.IF_CHAR"/>
    <isofield id="130" length="3" name="C" class="org.jpos.iso.IF_CHAR"/>
  </isofieldpackager>`);
const DATA_65 = '<isofield id="65" length="1" name="B" class="org.jpos.iso.IF_CHAR"/>';
const BITMAP_65 = '<isofield id="65" length="8" name="TERTIARY BITMAP" class="org.jpos.iso.IFB_BITMAP"/>';

/** The sub-field bitmap of sub-fields `bits` in `bytes` bytes, bits 1 and 65 set as IFB_BITMAP.pack sets them. */
function subBitmap(bytes: number, bits: number[]): Buffer {
  const b = Buffer.alloc(bytes);
  for (const n of [...bits, ...(bytes > 8 ? [1] : []), ...(bytes > 16 ? [65] : [])]) b[(n - 1) >> 3]! |= 0x80 >> ((n - 1) & 7);
  return b;
}

test('jPOS loops – a 24-byte bitmap in a nested GenericPackager: sub-field 65 is skipped, bit 65 announces the tertiary bitmap', () => {
  for (const f65 of [DATA_65, BITMAP_65]) {
    const dialect = dialectFromPackagerXml(tertiary('GenericPackager', f65));
    const sub = dialect.fields['127']?.subfields;
    // ISOBasePackager.unpack skips field 65 when the bitmap reaches past 128 ("ignore extended bitmap").
    assert.deepEqual(sub?.bitmap, { encoding: 'binary', tertiary: true });
    assert.deepEqual(Object.keys(sub?.fields ?? {}), ['2', '129', '130']);
    const codec = createCodec(dialect);
    const image = codec.pack({ '0': '0100', '127': { '2': 'AA', '129': 'D', '130': 'CCC' } });
    // IFB_BITMAP.pack: 24 bytes for a sub-field past 128, bit 1 and bit 65 set for the bitmaps that follow; bit 129 is
    // a sub-field like any other (IFB_BITMAP.unpack reads no more than 24 bytes: there is no fourth bitmap).
    const content = Buffer.concat([subBitmap(24, [2, 129, 130]), ascii('AADCCC')]);
    // MTI (4) and two hex bitmaps (32), then the composite's 4 length digits.
    assert.deepEqual(image.subarray(36), Buffer.concat([ascii(String(content.length).padStart(4, '0')), content]));
    assert.deepEqual(codec.unpack(image), { '0': '0100', '127': { '2': 'AA', '129': 'D', '130': 'CCC' } });
  }
});

test('jPOS loops – a 24-byte bitmap in a GenericSubFieldPackager: a data sub-field 65 is read at bit 65 (jPOS\'s quirk)', () => {
  const dialect = dialectFromPackagerXml(tertiary('GenericSubFieldPackager', DATA_65));
  const sub = dialect.fields['127']?.subfields;
  // GenericSubFieldPackager.unpack reads every defined sub-field whose bit is set, 65 included: no skip for it.
  assert.deepEqual(sub?.bitmap, { encoding: 'binary', tertiary: true, tertiaryField65: true });
  assert.deepEqual(Object.keys(sub?.fields ?? {}), ['2', '65', '129', '130']);
  const codec = createCodec(dialect);
  const both = codec.pack({ '0': '0100', '127': { '2': 'AA', '65': 'B', '130': 'CCC' } });
  const content = Buffer.concat([subBitmap(24, [2, 65, 130]), ascii('AABCCC')]);
  assert.deepEqual(both.subarray(40), content);
  assert.deepEqual(codec.unpack(both), { '0': '0100', '127': { '2': 'AA', '65': 'B', '130': 'CCC' } });
  // Alone, sub-field 65 gets the 16 bytes IFB_BITMAP.pack sizes for it, bit 65 set: jPOS then reads 24 (bit 65 says a
  // tertiary bitmap follows), so jPOS cannot read this message back; the bytes are jPOS's all the same.
  const alone = codec.pack({ '0': '0100', '127': { '65': 'B' } });
  assert.deepEqual(alone.subarray(40), Buffer.concat([subBitmap(16, [65]), ascii('B')]));
  // A sub-field past 128 without sub-field 65: IFB_BITMAP.pack sets bit 65 for the 24 bytes, and the reader then takes
  // sub-field 65 from the next byte, as GenericSubFieldPackager.unpack does (here the last sub-field runs short).
  const without = codec.pack({ '0': '0100', '127': { '2': 'AA', '130': 'CCC' } });
  assert.deepEqual(without.subarray(40), Buffer.concat([subBitmap(24, [2, 130]), ascii('AACCC')]));
  refused(() => codec.unpack(without), 'ISO8583_ERR_TRUNCATED');
  // With a bitmap class, sub-field 65 is the tertiary bitmap's slot, as in jPOS's 192-field packagers: skipped.
  const slot = dialectFromPackagerXml(tertiary('GenericSubFieldPackager', BITMAP_65)).fields['127']?.subfields;
  assert.deepEqual(sub?.fields['130'], slot?.fields['130']);
  assert.equal(slot?.fields['65'], undefined);
  assert.equal(slot?.bitmap?.tertiaryField65, undefined);
});

// --- The same properties in any dialect ---

test('jPOS loops – firstField, tertiaryField65 and omitTrailingAbsent are checked in every dialect', () => {
  const base = { name: 'd', mti: { encoding: 'ascii' as const } };
  const n2 = { name: 'X', type: 'n' as const, length: 2, encoding: 'ascii' as const };
  const problems = (make: () => unknown) => refused(make, 'ISO8583_ERR_DIALECT_INVALID').problems?.map((p) => p.field);
  assert.deepEqual(problems(() => createCodec({ ...base, bitmap: { encoding: 'hex', firstField: 1 }, fields: {} })), ['bitmap.firstField']);
  assert.deepEqual(problems(() => createCodec({ ...base, bitmap: { encoding: 'hex', firstField: 5 }, fields: { '4': n2 } })), ['fields.4']);
  assert.deepEqual(problems(() => createCodec({ ...base, bitmap: { encoding: 'hex', tertiaryField65: true }, fields: {} })), ['bitmap.tertiaryField65']);
  const composite = { name: 'C', type: 'b' as const, length: 99, encoding: 'binary' as const, prefix: { encoding: 'ascii' as const, digits: 2 } };
  const withBitmap = { ...composite, subfields: { bitmap: { encoding: 'binary' as const, length: 1 }, omitTrailingAbsent: true, fields: { '2': n2 } } };
  assert.deepEqual(problems(() => createCodec({ ...base, bitmap: { encoding: 'hex' }, fields: { '48': withBitmap } })), ['fields.48.subfields.omitTrailingAbsent']);
  // On the message bitmap it is refused: ISOBasePackager.unpack skips field 65 whenever a tertiary bitmap travels, and
  // so does this codec's message loop, so {4, 11, 65} would pack and then not read back (field 65's bytes taken as
  // field 4's neighbours). Only a sub-field bitmap (GenericSubFieldPackager) reads a sub-field 65 at bit 65.
  const top = { ...base, bitmap: { encoding: 'hex' as const, tertiary: true, tertiaryField65: true }, fields: { '4': n2, '11': n2, '65': n2 } };
  const err = refused(() => createCodec(top), 'ISO8583_ERR_DIALECT_INVALID');
  assert.deepEqual(err.problems?.map((p) => p.field), ['bitmap.tertiaryField65']);
  assert.match(err.message, /tertiaryField65.*sub-field bitmap only/);
  const tertiarySub = { encoding: 'binary' as const, tertiary: true, tertiaryField65: true, firstField: 3 };
  createCodec({ ...base, bitmap: { encoding: 'hex' }, fields: { '48': { ...composite, length: 999, prefix: { encoding: 'ascii' as const, digits: 3 }, subfields: { bitmap: tertiarySub, fields: { '65': n2, '130': n2 } } } } });
});
