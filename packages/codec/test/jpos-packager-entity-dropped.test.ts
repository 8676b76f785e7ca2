/**
 * A plain-text entity the import's XML reader leaves unexpanded: fast-xml-parser drops an entity whose text looks like
 * script or markup (`onload=`, `javascript:`, `xmlns=`) and keeps the reference as literal text, where jPOS expands
 * it. Imported, the attribute held other bytes than jPOS reads, silently; it is refused naming the entity and field.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialectFromPackagerXml } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

function withEntity(value: string, fields: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE isopackager [\n<!ENTITY x "${value}">\n]>\n${jposPackager(fields)}`;
}

test('jPOS packager entity – one the XML reader drops is refused naming it and the field, in a name, a class and text', () => {
  for (const value of ['onload=1', 'PAN javascript:1', 'xmlns=1']) {
    const inName = withEntity(value, '<isofield id="2" length="19" name="P&x;" class="org.jpos.iso.IFA_LLNUM"/>');
    const err = refused(() => dialectFromPackagerXml(inName, 'p'), 'ISO8583_ERR_PACKAGER_XML');
    assert.match(err.message, /entity reference "&x;" in attribute "name" is not expanded/, value);
    assert.equal(err.field, '2');
  }
  const inClass = withEntity('org.jpos.iso.IFA_LLNUM onload=1', '<isofield id="32" length="11" name="ACQ" class="&x;"/>');
  const err = refused(() => dialectFromPackagerXml(inClass, 'p'), 'ISO8583_ERR_PACKAGER_XML');
  assert.match(err.message, /entity reference "&x;" in attribute "class" is not expanded/);
  assert.equal(err.field, '32');
  const inText = withEntity('onload=1', '<isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM">&x;</isofield>');
  assert.match(refused(() => dialectFromPackagerXml(inText, 'p'), 'ISO8583_ERR_PACKAGER_XML').message, /entity reference "&x;" in the text of isofield is not expanded/);
  const inComposite = withEntity('onload=1', '<isofieldpackager id="48" length="999" name="A&x;" class="org.jpos.iso.IFA_LLLCHAR" packager="org.jpos.iso.packager.GenericSubFieldPackager"><isofield id="0" length="0" name="X" class="org.jpos.iso.IF_CHAR"/></isofieldpackager>');
  assert.equal(refused(() => dialectFromPackagerXml(inComposite, 'p'), 'ISO8583_ERR_PACKAGER_XML').field, '48');
});

test('jPOS packager entity – plain entities the reader expands still import, "on=" included', () => {
  const d = dialectFromPackagerXml(withEntity('on=1', '<isofield id="2" length="19" name="P&x;" class="org.jpos.iso.IFA_LLNUM"/>'), 'p');
  assert.equal(d.fields['2']!.name, 'Pon=1');
});
