/**
 * The jPOS import of `maxValidField`, on the message's `isopackager` and on a nested packager, as jPOS's
 * GenericPackager takes it: parsed as a number when the packager is read (`Integer.parseInt`: a value that is not one
 * fails the packager), then never consulted by ISOBasePackager's pack and unpack, so a field above it is packed and
 * read like any other. The import read nothing of it: any text was accepted. Then it read it as a non-negative number
 * of at most 7 digits: it refused what jPOS reads (`+128`, `-1`, `2147483647`). (Spaces around it, which jPOS refuses,
 * are still accepted: the XML reading trims every attribute before the import sees it.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromPackagerXml } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

const fields = '<isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"/>' +
  '<isofield id="100" length="11" name="RECEIVING INST" class="org.jpos.iso.IFA_LLNUM"/>';

/** Field 48 as a nested GenericSubFieldPackager carrying `attributes`. */
const nested = (attributes: string): string => jposPackager(`<isofieldpackager id="48" length="999" name="F48" class="org.jpos.iso.IFA_LLLCHAR"
    packager="org.jpos.iso.packager.GenericSubFieldPackager" emitBitmap="false" ${attributes}>
  <isofield id="1" length="2" name="S1" class="org.jpos.iso.IF_CHAR"/>
</isofieldpackager>`);

test('jPOS import – maxValidField that is not a number is refused, naming the attribute (jPOS cannot read it either)', () => {
  for (const value of ['abc', '', '12.5', '-', '+', '2147483648', '-2147483649', '1e3', '0x80', '+-1']) {
    const err = refused(() => dialectFromPackagerXml(jposPackager(fields, { attributes: `maxValidField="${value}"` }), 'p'), 'ISO8583_ERR_PACKAGER_XML');
    assert.match(err.message, /maxValidField/, value);
    const inner = refused(() => dialectFromPackagerXml(nested(`maxValidField="${value}"`), 'p'), 'ISO8583_ERR_PACKAGER_XML');
    assert.match(inner.message, /maxValidField/, value);
  }
});

test('jPOS import – a field above maxValidField is packed and read as jPOS does (its pack and unpack never consult it)', () => {
  const codec = createCodec(dialectFromPackagerXml(jposPackager(fields, { attributes: 'maxValidField="64"' }), 'p'));
  const message = { 0: '0200', 2: '4111111111111111', 100: '12345' };
  assert.deepEqual(codec.unpack(codec.pack(message)), { ...message });
  assert.ok(dialectFromPackagerXml(nested('maxValidField="1"'), 'p').fields['48']?.subfields, 'a nested maxValidField as a number is read');
});

test('jPOS import – maxValidField is read as Integer.parseInt reads it: a sign, digits, within a Java int', () => {
  for (const value of ['+128', '-1', '0', '-0', '2147483647', '-2147483648', '000128']) {
    assert.ok(dialectFromPackagerXml(jposPackager(fields, { attributes: `maxValidField="${value}"` }), 'p').fields['100'], value);
    assert.ok(dialectFromPackagerXml(nested(`maxValidField="${value}"`), 'p').fields['48']?.subfields, `nested ${value}`);
  }
});
