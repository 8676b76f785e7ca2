// maskXml over markup that is no tag (processing instructions, CDATA sections, DOCTYPE) and over text outside fields:
// a quote in such markup pairs with nothing, and every text outside a field is masked as free text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromXml, resolveDialect } from '@iso8583/codec';
import { maskXml } from '../src/xml-mask.js';

const dialect = resolveDialect('iso87ascii');
const PAN = '5413330089010434';
const TRACK2 = `${PAN}=25121011234`;

test('maskXml – an apostrophe in a processing instruction, CDATA or DOCTYPE outside fields hides no field', () => {
  for (const before of ["<?note it's?>", "<![CDATA[it's]]>", "<!DOCTYPE x 'it>", '<?note "?>']) {
    const xml = `<ISOMessage>${before}<data><field id="2">${PAN}</field><field id="35">${TRACK2}</field><field id="43">O'BRIEN STORE</field></data></ISOMessage>`;
    const masked = maskXml(xml, dialect);
    assert.ok(!masked.includes(PAN), `${before}: PAN shown in ${masked}`);
    assert.ok(masked.includes('O&apos;BRIEN') || masked.includes("O'BRIEN"), `${before}: field 43 kept`);
    assert.ok(masked.includes(before), `${before}: the markup itself kept`);
  }
});

test('maskXml – card data in a processing instruction, CDATA or DOCTYPE outside fields is masked as free text', () => {
  for (const markup of [`<?note ${PAN}?>`, `<![CDATA[a>b ${PAN}]]>`, `<!DOCTYPE x SYSTEM "${PAN}.dtd">`, `<?note ${PAN}`]) {
    const masked = maskXml(`<ISOMessage>${markup}<data><field id="11">000001</field></data></ISOMessage>`, dialect);
    assert.ok(!masked.includes(PAN), `PAN shown in ${masked}`);
    assert.ok(masked.includes('541333******0434'), `masked as free text: ${masked}`);
  }
});

test('maskXml – text and attributes outside fields are masked as free text', () => {
  for (const xml of [
    `<isomsg note="${PAN}"><field id="11" value="000001"/></isomsg>`,
    `<isomsg><field id="11" value="000001" note="${PAN}"/></isomsg>`,
    `<isomsg><field id="11" value="000001"/>${PAN}</isomsg>`,
    `<ISOMessage><data>${PAN}</data></ISOMessage>`,
    `<ISOMessage><data>${PAN}<field id="11">000001</field></data></ISOMessage>`,
    `<ISOMessage><field id="48" value="a<!--b"/>${PAN}<!-- --></ISOMessage>`,
  ]) {
    const masked = maskXml(xml, dialect);
    assert.ok(!masked.includes(PAN), `PAN shown in ${masked}`);
    assert.ok(masked.includes('541333******0434'), `masked as free text: ${masked}`);
    assert.ok(masked.includes('000001') || !xml.includes('000001'), `field 11 shown: ${masked}`);
  }
});

test('maskXml – a processing instruction or declaration in a sensitive field is starred between its delimiters, the XML still well-formed', () => {
  for (const [inside, kept] of [
    ['<?x a?>', '<?x *?>'],
    ['<?note a b?>', '<?note ***?>'],
    ['<?x?>', '<?x?>'],
  ] as const) {
    const xml = `<isomsg><field id="35">${inside}${TRACK2}</field></isomsg>`;
    assert.deepEqual(fromXml(xml).message[35], TRACK2, 'the input is well-formed');
    const masked = maskXml(xml, dialect);
    assert.ok(!masked.includes(PAN.slice(0, 7)), `card data shown: ${masked}`);
    assert.ok(masked.includes(kept), `${inside} kept as ${kept}: ${masked}`);
    assert.equal(fromXml(masked).message[35], '*'.repeat(TRACK2.length), `still well-formed: ${masked}`);
  }
  assert.equal(maskXml(`<isomsg><field id="2"><!x>${PAN}</field></isomsg>`, dialect), `<isomsg><field id="2"><!*>${'*'.repeat(16)}</field></isomsg>`);
});

test('maskXml – a character reference the free-text mask hides a digit of is starred whole: the output stays well-formed', () => {
  const written = `${PAN.slice(0, 8)}&#${PAN.charCodeAt(8)};&#x${PAN.charCodeAt(9).toString(16)};${PAN.slice(10)}`;
  for (const xml of [
    `<ISOMessage><data><field id="48">${written}</field><field id="11">000001</field></data></ISOMessage>`,
    `<isomsg><field id="48" value="${written}"/><field id="11" value="000001"/></isomsg>`,
    `<ISOMessage><data><field id="11">000001</field></data><!-- ${written} --></ISOMessage>`,
    `<ISOMessage><header>${written}</header><data><field id="11">000001</field></data></ISOMessage>`,
  ]) {
    const masked = maskXml(xml, dialect);
    assert.doesNotMatch(masked, /&[#xX0-9A-Fa-f]*\*/, `a reference starred in part: ${masked}`);
    // A header reads as hex too (maskHeader stars it all); a field or a comment shows the PAN's first 6 and last 4.
    if (!xml.includes('<header>')) assert.ok(masked.includes(`${PAN.slice(0, 6)}${'*'.repeat(written.length - 10)}${PAN.slice(-4)}`), `masked: ${masked}`);
    assert.ok(masked.includes('000001'), masked);
  }
});

test('maskXml – the value of an entity declared in a DOCTYPE is starred whole: a PAN in base64, split or with a ">" in it', () => {
  const b64 = Buffer.from(PAN).toString('base64');
  for (const [value, quote] of [[b64, '"'], [PAN, "'"], [`a>${b64}`, '"'], [`${PAN.slice(0, 8)}<!-- -->${PAN.slice(8)}`, '"']] as const) {
    const declaration = `<!ENTITY pan ${quote}${value}${quote}>`;
    const xml = `<!DOCTYPE isomsg [${declaration}]><isomsg><field id="0" value="0200"/><field id="48" value="&pan;"/></isomsg>`;
    const masked = maskXml(xml, dialect);
    assert.equal(masked, xml.replace(declaration, `<!ENTITY pan ${quote}${'*'.repeat(value.length)}${quote}>`), value);
  }
  // Never closed: starred to the end of the text.
  assert.equal(maskXml(`<!DOCTYPE x [<!ENTITY pan "${b64}`, dialect), `<!DOCTYPE x [<!ENTITY pan "${'*'.repeat(b64.length)}`);
  // The DOCTYPE's other quotes are still text (a quote in it pairs with nothing).
  assert.equal(maskXml("<!DOCTYPE x 'it><isomsg><field id=\"43\" value=\"O'B\"/></isomsg>", dialect), "<!DOCTYPE x 'it><isomsg><field id=\"43\" value=\"O'B\"/></isomsg>");
});
