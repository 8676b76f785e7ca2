/**
 * The jPOS import against genericpackager.dtd, which jPOS validates at load: an element, text or attribute the DTD
 * does not allow where it stands is refused naming it (ignored, it dropped a field or changed the bytes), and every
 * stock packager still imports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { vectorPath } from '@iso8583/test-support';
import { createCodec, dialectFromPackagerXml } from '../src/index.js';
import { jposPackager, refused } from './jpos-support.js';
import { vectorText } from './conformance-support.js';

const STAN = '<isofield id="11" length="6" name="STAN" class="org.jpos.iso.IFA_NUMERIC"/>';

test('jPOS packager DTD – a misspelt field element is refused naming it, not dropped with its field', () => {
  for (const tag of ['isofeild', 'isoField', 'field']) {
    const xml = jposPackager(`<${tag} id="7" length="10" name="TRANSMISSION DATE AND TIME" class="org.jpos.iso.IFA_NUMERIC"/>${STAN}`);
    const err = refused(() => dialectFromPackagerXml(xml, 'p'), 'ISO8583_ERR_PACKAGER_XML');
    assert.match(err.message, new RegExp(`element <${tag}> in isopackager`));
  }
  // Inside a composite the field path is named.
  const composite = jposPackager(`<isofieldpackager id="48" length="999" name="ADD" class="org.jpos.iso.IFA_LLLCHAR"
      packager="org.jpos.iso.packager.GenericSubFieldPackager" emitBitmap="false">
    <isofield id="1" length="2" name="A" class="org.jpos.iso.IF_CHAR"/><subfield id="2" length="2" name="B" class="org.jpos.iso.IF_CHAR"/>
  </isofieldpackager>`);
  const err = refused(() => dialectFromPackagerXml(composite, 'p'), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(err.field, '48');
  assert.match(err.message, /element <subfield> in isofieldpackager/);
  // An isofield holds text only.
  const nested = jposPackager(`<isofield id="7" length="10" name="X" class="org.jpos.iso.IFA_NUMERIC"><isofield id="1" length="2" name="Y" class="IF_CHAR"/></isofield>`);
  assert.equal(refused(() => dialectFromPackagerXml(nested, 'p'), 'ISO8583_ERR_PACKAGER_XML').field, '7');
});

test('jPOS packager DTD – text where only elements may stand (a line missing its "<") is refused', () => {
  const xml = jposPackager(`isofield id="7" length="10" name="TRANSMISSION DATE AND TIME" class="org.jpos.iso.IFA_NUMERIC"/>\n${STAN}`);
  const err = refused(() => dialectFromPackagerXml(xml, 'p'), 'ISO8583_ERR_PACKAGER_XML');
  assert.match(err.message, /text "isofield id=\\"7\\".*" in isopackager/);
  // Whitespace, comments, processing instructions and an isofield's own text change nothing.
  const fine = jposPackager(`<!-- date -->\n<?note x?>\n<isofield id="7" length="10" name="D" class="org.jpos.iso.IFA_NUMERIC">text</isofield>${STAN}`);
  assert.deepEqual(Object.keys(dialectFromPackagerXml(fine, 'p').fields), ['7', '11']);
});

test('jPOS packager DTD – an attribute the DTD does not declare is refused naming it and the field', () => {
  for (const attr of ['Pad', 'padding']) {
    const xml = jposPackager(`<isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFB_LLNUM" ${attr}="true"/>`);
    const err = refused(() => dialectFromPackagerXml(xml, 'p'), 'ISO8583_ERR_PACKAGER_XML');
    assert.equal(err.field, '2');
    assert.match(err.message, new RegExp(`attribute "${attr}" is not one genericpackager.dtd declares for isofield`));
  }
  const header = refused(() => dialectFromPackagerXml(jposPackager(STAN, { attributes: 'headerlength="5"' }), 'p'), 'ISO8583_ERR_PACKAGER_XML');
  assert.equal(header.field, undefined);
  assert.match(header.message, /attribute "headerlength" is not one genericpackager.dtd declares for isopackager/);
  // isofieldpackager has its own list: packager yes, trim no.
  const composite = jposPackager(`<isofieldpackager id="48" length="999" name="ADD" class="org.jpos.iso.IFA_LLLCHAR" trim="false"
      packager="org.jpos.iso.packager.GenericSubFieldPackager" emitBitmap="false"><isofield id="1" length="2" name="A" class="org.jpos.iso.IF_CHAR"/></isofieldpackager>`);
  assert.match(refused(() => dialectFromPackagerXml(composite, 'p'), 'ISO8583_ERR_PACKAGER_XML').message, /"trim" .* for isofieldpackager/);
  // The declared ones import as before: pad="true" packs the PAN right-justified.
  const d = dialectFromPackagerXml(jposPackager('<isofield id="2" length="19" name="PAN" class="org.jpos.iso.IFB_LLNUM" pad="true" token="x"/>', { attributes: 'headerLength="5" maxValidField="128"' }), 'p');
  assert.equal(d.headerLength, 5);
  assert.equal(createCodec(d).pack({ 0: '0200', 2: '476173900101011' }).subarray(5 + 4 + 16).toString('hex'), '150476173900101011');
});

test('jPOS packager DTD – every stock packager of the vectors imports', () => {
  const files = readdirSync(vectorPath('jpos/packagers')).filter((f) => f.endsWith('.xml'));
  assert.ok(files.length >= 5, files.join());
  for (const file of files) {
    const d = dialectFromPackagerXml(vectorText(`jpos/packagers/${file}`), file);
    assert.ok(Object.keys(d.fields).length > 10, file);
  }
});

test('jPOS packager DTD – an element beside isopackager, or a second isopackager, is refused', () => {
  const one = jposPackager(STAN);
  for (const [xml, reason] of [
    [`${one}<foo/>`, /element <foo> beside isopackager/],
    [`<?xml version="1.0"?>${one}${one}`, /not well-formed XML|more than one isopackager element/],
    ['<isoPackager/>', /no isopackager element/],
  ] as const) {
    assert.match(refused(() => dialectFromPackagerXml(xml, 'p'), 'ISO8583_ERR_PACKAGER_XML').message, reason);
  }
});
