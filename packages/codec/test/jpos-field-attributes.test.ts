/**
 * The field-element attributes of jPOS's genericpackager.dtd that the import cannot express: `inclusive="true"`,
 * `params` and `encoding` are refused naming the attribute and the field (ignoring them gave a codec that sent other
 * bytes than jPOS); their defaults and `token` (which jPOS hands only to tagged classes) change nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromPackagerXml } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

const PAN = '4761739001010010';

/** Field 48 as a one-byte binary-prefixed field (`IFB_LLHBINARY`) with `attrs`, then field 49 after it. */
const withField48 = (attrs: string): string =>
  jposPackager(`<isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>
  <isofield id="48" length="255" name="Additional data" class="org.jpos.iso.IFB_LLHBINARY" ${attrs}/>
  <isofield id="49" length="3" name="Currency code" class="org.jpos.iso.IFA_NUMERIC"/>`);

/** A composite field 48 (GenericSubFieldPackager, positional) with `attrs` on the isofieldpackager element. */
const composite48 = (attrs: string): string =>
  jposPackager(`<isofieldpackager id="48" length="999" name="Additional data" class="org.jpos.iso.IFA_LLLCHAR" ${attrs}
      emitBitmap="false" packager="org.jpos.iso.packager.GenericSubFieldPackager">
    <isofield id="1" length="2" name="A" class="org.jpos.iso.IF_CHAR"/>
  </isofieldpackager>`);

test('jPOS attributes – inclusive="true" is refused naming the field, on isofield and isofieldpackager', () => {
  // jPOS's self-inclusive prefix sends 03 A1B2 for two value bytes where the import sent 02 A1B2: a jPOS peer then
  // read one byte too many and took field 49 (the currency) from the wrong bytes.
  const err = refused(() => dialectFromPackagerXml(withField48('inclusive="true"')), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(err.field, '48');
  assert.match(err.message, /inclusive="true" is not supported/);
  assert.equal(refused(() => dialectFromPackagerXml(composite48('inclusive="true"')), 'ISO8583_ERR_PACKAGER_XML').field, '48');
  assert.equal(refused(() => dialectFromPackagerXml(withField48('inclusive="yes"')), 'ISO8583_ERR_PACKAGER_XML').field, '48');
  // The default: a prefix that counts the value bytes only.
  for (const attrs of ['', 'inclusive="false"']) {
    const codec = createCodec(dialectFromPackagerXml(withField48(attrs)));
    assert.equal(codec.pack({ '0': '0200', '48': 'A1B2', '49': '840' }).subarray(20).toString('hex'), '02a1b2' + Buffer.from('840').toString('hex'));
  }
});

test('jPOS attributes – params is refused naming the field, on isofield and isofieldpackager', () => {
  // jPOS builds the class (or the sub-field packager: GenericPackager's reads a layout from the file it names) with
  // params as constructor argument.
  const err = refused(() => dialectFromPackagerXml(withField48('params="x"')), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(err.field, '48');
  assert.match(err.message, /attribute params is not supported/);
  const nested = refused(() => dialectFromPackagerXml(composite48('params="other.xml"')), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(nested.field, '48');
  assert.match(nested.message, /sub-field packager/);
  // Inside a composite the sub-field's path is named.
  const sub = jposPackager(`<isofieldpackager id="48" length="999" name="F48" class="org.jpos.iso.IFA_LLLCHAR" emitBitmap="false"
      packager="org.jpos.iso.packager.GenericSubFieldPackager">
    <isofield id="1" length="2" name="A" class="org.jpos.iso.IF_CHAR" params=""/>
  </isofieldpackager>`);
  assert.equal(refused(() => dialectFromPackagerXml(sub), 'ISO8583_ERR_PACKAGER_XML').field, '48.1');
});

test('jPOS attributes – encoding is refused naming the field', () => {
  const text = jposPackager('<isofield id="43" length="40" name="Card acceptor name" class="org.jpos.iso.IF_CHAR" encoding="Cp1047"/>');
  const err = refused(() => dialectFromPackagerXml(text), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(err.field, '43');
  assert.match(err.message, /attribute encoding is not supported/);
});

test('jPOS attributes – token changes nothing: jPOS hands it only to tagged field classes', () => {
  const plain = createCodec(dialectFromPackagerXml(withField48('')));
  const tokened = createCodec(dialectFromPackagerXml(withField48('token="48"')));
  const message = { '0': '0200', '2': PAN, '48': 'A1B2', '49': '840' };
  assert.deepEqual(tokened.pack(message), plain.pack(message));
  assert.deepEqual(tokened.unpack(plain.pack(message)), message);
});

test('jPOS attributes – pad other than true or false is refused naming the field, as jPOS\'s DTD refuses it', () => {
  // pad="yes" read as false gave right-padded BCD (the pad nibble after the digits) where the file meant left-padded.
  const bcdPan = (attrs: string): string =>
    jposPackager(`<isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFB_LLNUM" ${attrs}/>`);
  for (const value of ['yes', '1', 'ture', '']) {
    const err = refused(() => dialectFromPackagerXml(bcdPan(`pad="${value}"`)), 'ISO8583_ERR_PACKAGER_XML');
    assert.equal(err.field, '2');
    assert.match(err.message, /attribute pad is neither true nor false/);
  }
  assert.equal(dialectFromPackagerXml(bcdPan('pad="true"')).fields['2']?.justify, 'right');
  assert.equal(dialectFromPackagerXml(bcdPan('pad=" TRUE "')).fields['2']?.justify, 'right');
  assert.equal(dialectFromPackagerXml(bcdPan('pad="false"')).fields['2']?.justify, 'left');
  assert.equal(dialectFromPackagerXml(bcdPan('')).fields['2']?.justify, 'left');
});
