/**
 * The jPOS import of a sub-field packager's attributes where the two GenericPackager kinds part: what
 * `emitBitmap="false"` sends (GenericSubFieldPackager stops at the last present sub-field, a nested GenericPackager
 * does not), and the `firstField` values with which jPOS cannot read its own messages (refused at import).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromPackagerXml } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

/** A packager around `fields` (see jpos-support.ts). */
const packagerWith = (fields: string): string => jposPackager(fields, { bitmap: 'IFB_BITMAP' });

/** Field 127 without a sub-field bitmap, laid out by the given sub-field packager class. */
const positional127 = (kind: string) => packagerWith(`<isofieldpackager id="127" length="999" name="F127" class="org.jpos.iso.IFA_LLLCHAR"
    packager="org.jpos.iso.packager.${kind}" emitBitmap="false">
  <isofield id="1" length="2" name="S1" class="org.jpos.iso.IF_CHAR"/>
  <isofield id="2" length="2" name="S2" class="org.jpos.iso.IF_CHAR"/>
  <isofield id="3" length="4" name="S3" class="org.jpos.iso.IFA_NUMERIC"/>
</isofieldpackager>`);

/** The bytes of field 127 (after the MTI and the 16-byte bitmap) as text. */
const f127 = (image: Uint8Array) => Buffer.from(image).subarray(4 + 16).toString('latin1');

test('jPOS sub-fields – emitBitmap="false": GenericSubFieldPackager stops at the last present sub-field', () => {
  const dialect = dialectFromPackagerXml(positional127('GenericSubFieldPackager'), 'p');
  assert.equal(dialect.fields['127']?.subfields?.omitTrailingAbsent, true);
  const codec = createCodec(dialect);
  // GenericSubFieldPackager.pack runs from the first sub-field to the highest one present (absent ones on the way
  // become empty values), and its unpack stops reading when the field's bytes end.
  const image = codec.pack({ '0': '0200', '127': { '1': 'AB' } });
  assert.equal(f127(image), '002AB');
  assert.deepEqual(codec.unpack(image), { '0': '0200', '127': { '1': 'AB' } });
});

test('jPOS sub-fields – emitBitmap="false": a nested GenericPackager sends every sub-field (its unpack reads them all)', () => {
  const dialect = dialectFromPackagerXml(positional127('GenericPackager'), 'p');
  assert.equal(dialect.fields['127']?.subfields?.omitTrailingAbsent, undefined);
  const codec = createCodec(dialect);
  // ISOBasePackager.unpack (a nested GenericPackager) reads every defined sub-field in turn, with no check for the
  // end of the field's bytes: a shortened "002AB" fails in jPOS at sub-field 2. So every sub-field travels, the
  // absent ones empty (IF_CHAR spaces, IFA_NUMERIC zeros), which jPOS reads as sub-fields 1-3.
  const image = codec.pack({ '0': '0200', '127': { '1': 'AB' } });
  assert.equal(f127(image), '008AB  0000');
  assert.deepEqual(codec.unpack(image), { '0': '0200', '127': { '1': 'AB', '2': '  ', '3': '0000' } });
  // A shortened field, which jPOS fails to read, is still read here up to its end (receiving is lenient).
  const short = Buffer.concat([Buffer.from(image).subarray(0, 20), Buffer.from('002AB', 'latin1')]);
  assert.deepEqual(codec.unpack(short), { '0': '0200', '127': { '1': 'AB' } });
});

/** Field 48 with a sub-field bitmap of `bytes` bytes at sub-field 1 and the given attributes. */
const bitmapAt1 = (bytes: number, attributes: string, kind = 'GenericSubFieldPackager') => packagerWith(`<isofieldpackager id="48" length="999"
    name="F48" class="org.jpos.iso.IFA_LLLCHAR" packager="org.jpos.iso.packager.${kind}" ${attributes}>
  <isofield id="1" length="${bytes}" name="BITMAP" class="org.jpos.iso.IFB_BITMAP"/>
  <isofield id="2" length="2" name="S2" class="org.jpos.iso.IF_CHAR"/>
  <isofield id="70" length="3" name="S70" class="org.jpos.iso.IF_CHAR"/>
</isofieldpackager>`);

test('jPOS sub-fields – firstField 1 (or 0) beside a 16-byte bitmap at sub-field 1 is refused, as on the message', () => {
  // Both loops start at firstField: at sub-field 1 they find bit 1 set whenever a secondary bitmap travels (a
  // sub-field past 64, such as 70, is present) and read the next bytes with sub-field 1's bitmap class as another
  // bitmap, so jPOS cannot read such a field it packed.
  for (const kind of ['GenericSubFieldPackager', 'GenericPackager']) {
    for (const first of ['1', '0']) {
      const err = refused(() => dialectFromPackagerXml(bitmapAt1(16, `firstField="${first}"`, kind), 'p'), 'ISO8583_ERR_PACKAGER_XML');
      assert.equal(err.field, '48');
      assert.match(err.message, new RegExp(`firstField ${first} beside a 16-byte bitmap at sub-field 1`));
    }
  }
  // The default (2, as sub-field 1 is a bitmap class) and an 8-byte bitmap (bit 1 marks sub-field 1) are fine.
  dialectFromPackagerXml(bitmapAt1(16, ''), 'p');
  dialectFromPackagerXml(bitmapAt1(8, 'firstField="1"').replace('id="70"', 'id="7"'), 'p');
});

test('jPOS sub-fields – firstField above every defined sub-field is refused naming the attribute and the field', () => {
  // The loops would start past every sub-field: the composite carries nothing, and a peer's sub-fields would be
  // left unread (trailing bytes).
  const err = refused(() => dialectFromPackagerXml(bitmapAt1(16, 'firstField="71"'), 'p'), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(err.field, '48');
  assert.match(err.message, /firstField 71 is above every sub-field defined \(the highest data sub-field is 70\)/);
  const past = positional127('GenericSubFieldPackager').replace('emitBitmap="false"', 'emitBitmap="false" firstField="4"');
  const positional = refused(() => dialectFromPackagerXml(past, 'p'), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(positional.field, '127');
  assert.match(positional.message, /firstField 4/);
  // At the highest one it is a composite of that one sub-field.
  const dialect = dialectFromPackagerXml(bitmapAt1(16, 'firstField="70"'), 'p');
  assert.deepEqual(Object.keys(dialect.fields['48']?.subfields?.fields ?? {}), ['70']);
});
