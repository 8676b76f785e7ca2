// The pino redaction of a sequence's `xml` paths (maskXml): every sensitive field of an ISOMessage document masked,
// whatever message it is of (another host's response holds none of the request's card data for the per-message layer).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromXml, resolveDialect, toXml } from '@iso8583/codec';
import type { Dialect, IsoMessage } from '@iso8583/codec';
import { maskXml } from '../src/xml-mask.js';

const PAN = '5555555555554444';
const ICC = `5A08${PAN}5F200A444F452F4A4F484E2020`;
const TOKEN = 'TOKEN0123456789SECRET';

/** iso87ascii with a composite field 127 whose sub-field 9 is marked secret. */
function dialectWithSecretSubfield(): Dialect {
  const base = resolveDialect('iso87ascii');
  return {
    ...base,
    fields: {
      ...base.fields,
      127: {
        name: 'PRIVATE',
        type: 'ans',
        length: 999,
        encoding: 'ascii',
        prefix: { encoding: 'ascii', digits: 3 },
        subfields: {
          bitmap: { encoding: 'hex' },
          fields: {
            2: { name: 'SWITCH KEY', type: 'ans', length: 32, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 } },
            9: { name: 'TOKEN', type: 'ans', length: 32, encoding: 'ascii', prefix: { encoding: 'ascii', digits: 2 }, sensitive: 'secret' },
          },
        },
      },
    },
  };
}

test('maskXml – field 55 written as EMV tags (toXml with emv) has every tag value hidden, the tags kept', () => {
  const xml = toXml({ 0: '0200', 11: '000001', 55: ICC }, { emv: true });
  assert.match(xml, /<tag id="5A">/, 'the EMV view is what is masked');
  const masked = maskXml(xml, resolveDialect('iso87ascii'));
  assert.ok(!masked.includes(PAN), masked);
  assert.ok(!masked.includes('444F452F4A4F484E'), 'the cardholder name is hidden');
  assert.match(masked, /<tag id="5A">\*{16}<\/tag>/);
  assert.match(masked, /<field id="11">000001<\/field>/);
});

test('maskXml – a sub-field the dialect marks sensitive (127.9) is masked inside its <isomsg>, the others are not', () => {
  const dialect = dialectWithSecretSubfield();
  const xml = toXml({ 0: '0200', 2: PAN, 127: { 2: 'SWITCHKEY', 9: TOKEN } as IsoMessage });
  const masked = maskXml(xml, dialect);
  assert.ok(!masked.includes(TOKEN), masked);
  assert.match(masked, /<field id="9">\*{21}<\/field>/);
  assert.match(masked, /<field id="2">SWITCHKEY<\/field>/, 'sub-field 127.2 is not field 2');
  assert.match(masked, /<field id="2">555555\*{6}4444<\/field>/);
});

test('maskXml – a value in a CDATA section and a jPOS value attribute are masked too', () => {
  const dialect = resolveDialect('iso87ascii');
  const cdata = maskXml(`<ISOMessage><data><field id="2"><![CDATA[${PAN}]]></field><field id="11">000001</field></data></ISOMessage>`, dialect);
  assert.ok(!cdata.includes(PAN), cdata);
  assert.match(cdata, /<field id="11">000001<\/field>/);
  const jpos = maskXml(`<isomsg><field id="0" value="0200"/><field id="2" value="${PAN}"/><field id="11" value="000001"/></isomsg>`, dialect);
  assert.ok(!jpos.includes(PAN), jpos);
  assert.match(jpos, /<field id="2" value="555555\*{6}4444"\/>/);
  assert.match(jpos, /<field id="11" value="000001"\/>/);
});

test('maskXml – an empty field does not take the fields after it', () => {
  const masked = maskXml(`<ISOMessage><data><field id="2"/><field id="11">000001</field><field id="35">${PAN}=3012</field></data></ISOMessage>`, resolveDialect('iso87ascii'));
  assert.match(masked, /<field id="2"\/><field id="11">000001<\/field><field id="35">555555\*{6}4444=\*{4}<\/field>/);
});

test('maskXml – a value attribute is masked however the field is spelled: open and close tags, single quotes, id after value', () => {
  const dialect = resolveDialect('iso87ascii');
  const PIN = '0123456789ABCDEF';
  for (const field of [
    `<field id="52" value="${PIN}"></field>`,
    `<field id="52" value="${PIN}" />`,
    `<field id='52' value='${PIN}'/>`,
    `<field value="${PIN}" id="52"/>`,
    `<field value='${PIN}' id='52'></field>`,
    `<field\n  id = "52"\n  value = "${PIN}"\n/>`,
    `<field id="11" id="52" value="${PIN}"/>`,
    `<field id=52 value=${PIN}/>`,
  ]) {
    const masked = maskXml(`<isomsg><field id="0" value="0200"/>${field}<field id='11' value='000001'/></isomsg>`, dialect);
    assert.ok(!masked.includes(PIN), masked);
    assert.match(masked, /value\s*=\s*["']?\*{8,}/, masked);
    assert.ok(masked.startsWith('<isomsg><field id="0" value="0200"/><field'), masked);
    assert.ok(masked.endsWith(`<field id='11' value='000001'/></isomsg>`), masked);
  }
  const pan = maskXml(`<isomsg><field value='${PAN}' id='2'></field></isomsg>`, dialect);
  assert.equal(pan, `<isomsg><field value='555555******4444' id='2'></field></isomsg>`);
});

test('maskXml – a field\'s content with markup never closed is starred to its end', () => {
  const masked = maskXml(`<field id="55"><tag id="5A"${PAN}</field><field id="55"><![CDATA[${PAN}</field>`, resolveDialect('iso87ascii'));
  assert.ok(!masked.includes(PAN), masked);
  assert.ok(!masked.includes('5555'), masked);
});

test('maskXml – a > inside a quoted value does not end the tag: the whole value is masked', () => {
  const dialect = resolveDialect('iso87ascii');
  for (const xml of [`<isomsg><field id="2" value="55>55555555554444"/></isomsg>`, `<isomsg><field id="35" value='${PAN}=2512>101'/></isomsg>`]) {
    const masked = maskXml(xml, dialect);
    assert.ok(!masked.includes('55555555554444'), masked);
    assert.ok(!masked.includes('>101'), masked);
    assert.ok(!masked.includes('2512'), masked);
  }
});

test('maskXml – a value attribute of a tag inside field 55 is starred, and its id (not EMV data the codec reads)', () => {
  const masked = maskXml(`<isomsg><field id="55"><tag id="5A" value="${PAN}"/><tag id='57' value='${PAN}D2512'></tag></field></isomsg>`, resolveDialect('iso87ascii'));
  assert.ok(!masked.includes('555555'), masked);
  assert.ok(!masked.includes('2512'), masked);
  assert.match(masked, /<tag id="\*\*" value="\*{16}"\/>/);
  assert.match(masked, /<tag id='\*\*' value='\*{21}'><\/tag>/);
});

test('maskXml – a sub-field is still found by its path under nesting the dialect has (127.9), not below it', () => {
  const dialect = dialectWithSecretSubfield();
  const masked = maskXml(`<isomsg><isomsg id="127"><field id="9" value="${TOKEN}"/><isomsg id="1"><field id="9" value="PLAIN9"/></isomsg></isomsg></isomsg>`, dialect);
  assert.ok(!masked.includes(TOKEN), masked);
  assert.ok(masked.includes('PLAIN9'), '127.1.9 is no field of the dialect: left as it is');
});

test('maskXml – a field the codec reads as field 2 however its id is written (spaces, a character reference) is masked', () => {
  // `id="&#50;"` is field 2 to the codec's fromXml, and `id=" 2 "` was too (fromXml now refuses it): both were no
  // field id to the mask, and the PAN showed. The mask keeps treating every such spelling as field 2: the safe side.
  const dialect = resolveDialect('iso87ascii');
  for (const id of [' 2 ', '&#50;', '&#x32;', '02', '\n2\t']) {
    for (const xml of [
      `<ISOMessage><data><field id="0">0200</field><field id="${id}">${PAN}</field></data></ISOMessage>`,
      `<isomsg><field id="0" value="0200"/><field id="${id}" value="${PAN}"/></isomsg>`,
    ]) {
      const masked = maskXml(xml, dialect);
      assert.ok(!masked.includes(PAN) && masked.includes('555555******4444'), `${JSON.stringify(id)}: ${masked}`);
    }
  }
  const sub = maskXml(`<isomsg><isomsg id=" 127 "><field id="9" value="${TOKEN}"/></isomsg></isomsg>`, dialectWithSecretSubfield());
  assert.ok(!sub.includes(TOKEN), sub);
});

test('maskXml – a field element or attribute in another case, or with a namespace prefix, is masked too', () => {
  // XML names are case-sensitive and the codec reads `<field id>` only, but a logged document comes from anywhere: a
  // PAN in `<Field>` is a PAN in the log.
  const dialect = resolveDialect('iso87ascii');
  for (const xml of [
    `<ISOMessage><data><Field id="2">${PAN}</Field><field id="11">000001</field></data></ISOMessage>`,
    `<ISOMessage><data><FIELD ID="2">${PAN}</FIELD></data></ISOMessage>`,
    `<iso:ISOMessage><iso:data><iso:field id="2">${PAN}</iso:field></iso:data></iso:ISOMessage>`,
    `<isomsg><field id="2" Value="${PAN}"/></isomsg>`,
    `<ISOMSG><FIELD id="2" VALUE="${PAN}"/><Field id="35">${PAN}=2512101</Field></ISOMSG>`,
  ]) {
    const masked = maskXml(xml, dialect);
    assert.ok(!masked.includes(PAN) && masked.includes('555555******4444'), masked);
    assert.ok(!masked.includes('2512101'), masked);
  }
  // The other fields are left as they are.
  assert.ok(maskXml(`<data><Field id="11">000001</Field></data>`, dialect).includes('>000001<'));
});

test('maskXml – a PAN written with character references is masked as the PAN it reads as', () => {
  const refs = [...PAN].map((d) => `&#${d.charCodeAt(0)};`).join('');
  const masked = maskXml(`<ISOMessage><data><field id="2">${refs}</field></data></ISOMessage>`, resolveDialect('iso87ascii'));
  assert.equal(masked, '<ISOMessage><data><field id="2">555555******4444</field></data></ISOMessage>');
});

test('maskXml – a field without its </field>, or its tag cut short (a document cut short, or malformed), has its value masked all the same', () => {
  // Its content was masked only up to its own `</field>`: without one, the PAN showed whole.
  const dialect = resolveDialect('iso87ascii');
  for (const xml of [
    `<ISOMessage><data><field id="2">${PAN}`,
    `<ISOMessage><data><field id="2">${PAN}<field id="11">000001</field></data></ISOMessage>`,
    `<ISOMessage><data><field id="2">${PAN}</data></ISOMessage>`,
    `<ISOMessage><data><field id="35">${PAN}=2512101</fieldx></data></ISOMessage>`,
    // Cut inside the tag: the value attribute, its quote closed or not.
    `<isomsg><field id="0" value="0200"/><field id="2" value="${PAN}`,
    `<isomsg><field id="0" value="0200"/><field id="2" value="${PAN}" `,
    `<isomsg><field id="35" value='${PAN}=2512101'`,
  ]) {
    const masked = maskXml(xml, dialect);
    assert.ok(!masked.includes(PAN) && masked.includes('555555******4444'), masked);
    assert.ok(!masked.includes('2512101'), masked);
    assert.equal(masked.length, xml.length, masked);
  }
  // The field after it is read as before.
  assert.ok(maskXml(`<data><field id="2">${PAN}<field id="11">000001</field><field id="2">${PAN}</field>`, dialect).includes('>000001<'));
});

test('maskXml – a field nothing marks is shown as the codec shows it: a PAN in field 48 or a sub-field masked, amounts and keys as they are', () => {
  // Only sensitive fields were masked: another host's reply with a card number in its private field 48 logged it whole.
  const dialect = resolveDialect('iso87ascii');
  const xml = toXml({
    '0': '0210', '4': '000000001000', '11': '000001', '37': '123456789012', '39': '00', '41': 'TERM0001',
    '48': `CARD=${PAN};REF=42`, '127': { '2': `K${PAN}` },
  } as IsoMessage);
  const masked = maskXml(xml, dialect);
  assert.ok(!masked.includes(PAN), masked);
  assert.ok(masked.includes('CARD=555555******4444;REF=42'), masked);
  assert.ok(masked.includes('K555555******4444'), masked);
  for (const shown of ['>0210<', '>000000001000<', '>000001<', '>123456789012<', '>00<', '>TERM0001<']) assert.ok(masked.includes(shown), shown);
  // A jPOS value attribute, and digits written as character references, too.
  const jpos = maskXml(`<isomsg><field id="48" value="${PAN}"/><field id="62">&#53;&#53;&#53;&#53;&#53;&#53;&#53;&#53;&#53;&#53;&#53;&#53;&#52;&#52;&#52;&#52;</field></isomsg>`, dialect);
  assert.ok(jpos.includes('value="555555******4444"'), jpos);
  assert.ok(!jpos.includes('&#53;&#53;&#53;&#53;&#53;&#53;&#53;'), jpos);
  // Masking a masked document changes nothing.
  assert.equal(maskXml(masked, dialect), masked);
});

test('maskXml – an unmarked field whose PAN is split by CDATA or a comment is starred as the codec reads it', () => {
  const dialect = resolveDialect('iso87ascii');
  for (const content of [
    '<![CDATA[41111111]]><![CDATA[11111111]]>',
    '41111111<!-- x -->11111111',
    '4111111<![CDATA[111111111]]>',
    '4111&#49;11<![CDATA[111111111]]>',
  ]) {
    const xml = `<ISOMessage><data><field id="48">${content}</field><field id="11">000001</field></data></ISOMessage>`;
    const read = (fromXml(xml).message as Record<string, unknown>)['48'];
    assert.equal(read, '4111111111111111', content);
    const masked = maskXml(xml, dialect);
    assert.doesNotMatch(masked.replace(/<!--[\s\S]*?-->|<!\[CDATA\[|\]\]>|<[^>]*>/g, ''), /4111111|1111111111/, content);
    assert.match(masked, /<field id="11">000001<\/field>/, content);
  }
  // Markup that hides nothing is left as it is.
  const plain = '<ISOMessage><data><field id="48">AB<![CDATA[CD]]><!-- n --></field></data></ISOMessage>';
  assert.equal(maskXml(plain, dialect), plain);
});

test('maskXml – a PAN field that held track data, masked, is not masked again: masking twice changes nothing', () => {
  const dialect = resolveDialect('iso87ascii');
  for (const value of [';4111111111111111=2512101123456789?', '%B4111111111111111^DOE/J^2512101?', '4111111111111111d2512101123456789', '4111111111111111=2512101123456789']) {
    const once = maskXml(`<isomsg><field id="2" value="${value}"/></isomsg>`, dialect);
    assert.doesNotMatch(once, /6789|2512/, value);
    assert.equal(maskXml(once, dialect), once, value);
  }
});

test('maskXml – a card number in the base64 or hex <header> is masked, its bytes starred in place; a header without one is kept', () => {
  const dialect = resolveDialect('iso87ascii');
  // The codec's XML view writes the message header as base64: a peer's header that carries a PAN as ASCII or BCD.
  for (const header of [Buffer.from(`HD${PAN}`), Buffer.from(`60000100${PAN}`, 'hex'), Buffer.from(`A1${PAN}FF`, 'hex')]) {
    const xml = toXml({ 0: '0200', 11: '000001' }, { header });
    const written = /<header>([^<]*)<\/header>/.exec(xml)![1]!;
    const masked = maskXml(xml, dialect);
    const shown = /<header>([^<]*)<\/header>/.exec(masked)![1]!;
    assert.equal(shown.length, written.length, xml);
    assert.match(shown, /\*/, xml);
    // What is left readable of the base64 holds no 7 digits of the PAN, as text or as BCD.
    const bytes = Buffer.from(shown.replace(/[^A-Za-z0-9+/=]/g, 'A'), 'base64');
    const readable = shown.split('').map((c, i) => (c === '*' ? '' : written[i])).join('');
    assert.ok(!bytes.toString('latin1').includes(PAN.slice(0, 7)) && !bytes.toString('hex').includes(PAN.slice(4, 11)), `${xml}: ${readable}`);
    assert.match(masked, /<field id="11">000001<\/field>/);
  }
  // jPOS writes its header as hex; a composite field's too.
  const jpos = `<isomsg><header>A1${PAN}FF</header><field id="0" value="0200"/><isomsg id="127"><header>${Buffer.from(PAN).toString('hex')}</header></isomsg></isomsg>`;
  const masked = maskXml(jpos, dialect);
  assert.doesNotMatch(masked, /5555555|35353535353535/, masked);
  assert.match(masked, /<header>A1\*+FF<\/header>/);
  // A header with no card number (a TPDU, a BASE24 header) is shown as it is.
  for (const plain of [toXml({ 0: '0800' }, { header: Buffer.from('6000010000', 'hex') }), '<isomsg><header>6000010000</header></isomsg>',
    toXml({ 0: '0800' }, { header: Buffer.from('ISO026000050') })]) {
    assert.equal(maskXml(plain, dialect), plain);
  }
});

test('maskXml – a comment or processing instruction inside a sensitive field, or a comment between fields, shows no card data', () => {
  const dialect = resolveDialect('iso87ascii');
  const xml = '<ISOMessage><data><!-- card 4111111111111111 -->' +
    `<field id="2">${PAN}<!-- was 4111111111111111 --></field>` +
    `<field id="35"><!--${PAN}=2512101--><?pi ${PAN}?>${PAN}=2512</field>` +
    '<field id="11">000001</field><!-- 5413330089010434 --></data></ISOMessage>';
  const masked = maskXml(xml, dialect);
  for (const pan of [PAN, '4111111111111111', '5413330089010434']) {
    for (let i = 0; i + 7 <= pan.length; i++) assert.ok(!masked.includes(pan.slice(i, i + 7)), `${pan.slice(i, i + 7)} in ${masked}`);
  }
  assert.match(masked, /<!-- card 411111\*{6}1111 -->/);
  assert.match(masked, /<!-- 541333\*{6}0434 --><\/data>/);
  assert.match(masked, /<field id="11">000001<\/field>/);
  assert.equal(maskXml(masked, dialect), masked, 'masking twice is once');
});
