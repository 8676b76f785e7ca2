/**
 * The jPOS import's reading of a packager's DOCTYPE and references as jPOS's validating XML reader reads them: the
 * internal subset holds plain-text entities only (an <!ATTLIST default, an entity holding markup or another reference
 * is refused naming it), character references in attribute values are decoded, and a reference to an undeclared
 * entity is refused.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, dialectFromPackagerXml } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';

const PUBLIC_ID = '<!DOCTYPE isopackager PUBLIC "-//jPOS/jPOS Generic Packager DTD 1.0//EN" "http://jpos.org/dtd/generic-packager-1.0.dtd"';

function withSubset(subset: string, fields: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${PUBLIC_ID} [\n${subset}\n]>\n${jposPackager(fields, { mti: 'IFB_NUMERIC', bitmap: 'IFB_BITMAP' })}`;
}

test('jPOS packager DOCTYPE – an <!ATTLIST default in the internal subset is refused, not ignored', () => {
  // jPOS's validating reader gives every isofield without pad the default "true": IFB_NUMERIC 3 then packs 123 as
  // 0123, where the import (pad ignored) packed 1230.
  const xml = withSubset('<!ATTLIST isofield pad (true|false) "true">', '<isofield id="3" length="3" name="X" class="org.jpos.iso.IFB_NUMERIC"/>');
  const err = refused(() => dialectFromPackagerXml(xml, 'p'), 'ISO8583_ERR_PACKAGER_XML');
  assert.match(err.message, /the DOCTYPE internal subset holds "<!ATTLIST"/);
  for (const decl of ['<!ELEMENT foo (#PCDATA)>', '<!NOTATION n SYSTEM "x">', '<!ENTITY % pe "x">', '<?pi x?>']) {
    refused(() => dialectFromPackagerXml(withSubset(decl, ''), 'p'), 'ISO8583_ERR_PACKAGER_XML');
  }
});

test('jPOS packager DOCTYPE – an entity holding field elements is refused naming it, not dropped with its fields', () => {
  const xml = withSubset(
    `<!ENTITY common '<isofield id="7" length="10" name="DATE" class="org.jpos.iso.IFA_NUMERIC"/>'>`,
    '&common;<isofield id="70" length="3" name="NMIC" class="org.jpos.iso.IFA_NUMERIC"/>',
  );
  assert.match(refused(() => dialectFromPackagerXml(xml, 'p'), 'ISO8583_ERR_PACKAGER_XML').message, /entity "common" holds markup/);
});

test('jPOS packager DOCTYPE – an entity referring to another is refused naming it; plain entities are expanded', () => {
  const nested = withSubset('<!ENTITY cls "org.jpos.iso.IFA_LLNUM"><!ENTITY c2 "&cls;">', '<isofield id="32" length="11" name="X" class="&c2;"/>');
  assert.match(refused(() => dialectFromPackagerXml(nested, 'p'), 'ISO8583_ERR_PACKAGER_XML').message, /entity "c2" refers to "&cls;"/);
  const plain = withSubset('<!-- shared --><!ENTITY cls "org.jpos.iso.IFA_LLNUM"><!ENTITY pan \'PRIMARY "ACCOUNT" NUMBER\'>', '<isofield id="2" length="19" name="&pan;" class="&cls;"/>');
  const d = dialectFromPackagerXml(plain, 'p');
  assert.equal(d.fields['2']!.name, 'PRIMARY "ACCOUNT" NUMBER');
  assert.deepEqual(d.fields['2']!.prefix, { encoding: 'ascii', digits: 2 });
});

test('jPOS packager DOCTYPE – character references in attribute values are decoded; undeclared and illegal ones refused', () => {
  for (const cls of ['IFA_&#x4C;LNUM', 'IFA_&#76;LNUM']) {
    const d = dialectFromPackagerXml(jposPackager(`<isofield id="2" length="19" name="PAN" class="org.jpos.iso.${cls}"/>`), 'p');
    assert.equal(createCodec(d).pack({ 0: '0200', 2: '4761739001010119' }).subarray(20).toString('latin1'), '164761739001010119');
  }
  // &amp; decodes last: "&amp;#x4C;" is the text "&#x4C;", no L.
  const escaped = jposPackager('<isofield id="2" length="19" name="A&amp;#x4C;B" class="org.jpos.iso.IFA_LLNUM"/>');
  assert.equal(dialectFromPackagerXml(escaped, 'p').fields['2']!.name, 'A&#x4C;B');
  for (const [ref, reason] of [['&nbsp;', /entity reference "&nbsp;" names no entity declared/], ['&#0;', /character reference "&#0;" is not an XML character/], ['&#xD800;', /not an XML character/], ['&#x110000;', /not an XML character/]] as const) {
    const xml = jposPackager(`<isofield id="2" length="19" name="P${ref}" class="org.jpos.iso.IFA_LLNUM"/>`);
    assert.match(refused(() => dialectFromPackagerXml(xml, 'p'), 'ISO8583_ERR_PACKAGER_XML').message, reason);
  }
  // In a comment or a CDATA section a reference is no reference.
  const commented = jposPackager('<!-- &nbsp; --><isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFA_LLNUM"><![CDATA[&x;]]></isofield>');
  assert.equal(dialectFromPackagerXml(commented, 'p').fields['2']!.name, 'PAN');
});
