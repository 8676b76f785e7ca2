import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { propertyRuns, readVector, vectorPath } from '@iso8583/test-support';
import { Iso8583Error, createCodec, dialectFromPackagerXml, fromXml, toXml, unpack } from '../src/index.js';
import type { IsoMessage } from '../src/index.js';
import { rejects } from './rejects.js';

const field55 = readVector('socketqueue/sv_200_purchase.bin').subarray(133).toString('hex').toUpperCase();

test('toXml writes the WSO2 ISOMessage shape, fields ascending, bitmap left out', () => {
  const xml = toXml({ '11': '456893', '3': '568893', '0': '0200', '1': 'F000', '105': 'ABC' }, { pretty: false });
  assert.equal(
    xml,
    '<ISOMessage><data><field id="0">0200</field><field id="3">568893</field><field id="11">456893</field>' +
      '<field id="105">ABC</field></data></ISOMessage>',
  );
});

test('toXml indents by default and writes the header in base64', () => {
  const xml = toXml({ '0': '0800' }, { header: Buffer.from([0, 0, 0, 0x6b]) });
  assert.equal(
    xml,
    '<ISOMessage>\n  <header>AAAAaw==</header>\n  <data>\n    <field id="0">0800</field>\n  </data>\n</ISOMessage>',
  );
});

test('toXml escapes values and fromXml reads them back unchanged', () => {
  const message = { '0': '0200', '43': 'A&B <SHOP> "X" \'Y\'', '48': 'line1\r\nline2\ttab', '105': '  padded  ' };
  const xml = toXml(message);
  assert.ok(xml.includes('A&amp;B &lt;SHOP&gt; &quot;X&quot;'));
  assert.deepEqual(fromXml(xml).message, message);
});

test('a composite field nests as <isomsg id> holding its sub-fields (and its header as hex)', () => {
  const message: IsoMessage = { '0': '0620', '127': { '25': 'ICC_DATA', '2': 'SWITCH_KEY', header: '00AB' } };
  const xml = toXml(message, { pretty: false });
  assert.equal(
    xml,
    '<ISOMessage><data><field id="0">0620</field><isomsg id="127"><header>00AB</header>' +
      '<field id="2">SWITCH_KEY</field><field id="25">ICC_DATA</field></isomsg></data></ISOMessage>',
  );
  assert.deepEqual(fromXml(xml).message, message);
});

test('the EMV view writes field 55 as <tag> elements and fromXml builds the TLV back', () => {
  const xml = toXml({ '0': '0200', '55': field55 }, { emv: true, pretty: false });
  assert.ok(xml.includes('<field id="55"><tag id="9F26">571F1E10D4FA4AAC</tag><tag id="9F27">80</tag>'));
  assert.equal(fromXml(xml).message['55'], field55);
  const nested = '<ISOMessage><data><field id="55"><tag id="70"><tag id="5A">5500000000000004</tag></tag></field></data></ISOMessage>';
  assert.equal(fromXml(nested).message['55'], '700A5A085500000000000004');
  assert.ok(toXml({ '55': 'NOT-TLV' }, { emv: true }).includes('<field id="55">NOT-TLV</field>'));
});

test('toXml and fromXml round-trip any text that XML 1.0 can carry', () => {
  const text = fc.string({ unit: fc.constantFrom('a', '0', ' ', '&', '<', '>', '"', "'", '\t', '\n', '\r', 'é', ']]>', '€') });
  fc.assert(
    fc.property(fc.dictionary(fc.integer({ min: 2, max: 128 }).map(String), text), (fields) => {
      const message = { '0': '0200', ...fields };
      assert.deepEqual(fromXml(toXml(message)).message, message);
    }),
    propertyRuns(300, 4),
  );
});

test('toXml names every field it cannot write', () => {
  const err = rejects(
    () => toXml({ '0': '0200', '3': 'ok\u0001', abc: 'x', '4': true as unknown as string, '48': 'A\uFFFE' }),
    'ISO8583_ERR_INVALID_MESSAGE',
  );
  assert.deepEqual(err.problems!.map((p) => p.field).sort(), ['3', '4', '48', 'abc']);
});

test('fromXml reads the WSO2 sendMessage request (the commented header is ignored)', () => {
  const { message, header } = fromXml(readFileSync(vectorPath('wso2/sendMessage-request.xml'), 'utf8'));
  assert.equal(header, undefined);
  assert.deepEqual(message, {
    '0': '0200',
    '3': '568893',
    '4': '000000020000',
    '7': '0110563280',
    '11': '456893',
    '44': 'DFGHT',
    '105': 'ABCDEFGHIJ 9871236548',
  });
});

test('fromXml accepts a SOAP envelope with any prefix, directly in the Body or in an operation element', () => {
  const iso = '<ISOMessage><header>AAAAaw==</header><data><field id="0">0800</field></data></ISOMessage>';
  for (const xml of [
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body>${iso}</soapenv:Body></soapenv:Envelope>`,
    `<?xml version="1.0"?><S:Envelope xmlns:S="http://www.w3.org/2003/05/soap-envelope"><S:Body><op:send xmlns:op="urn:x">${iso}</op:send></S:Body></S:Envelope>`,
    `<Envelope><Body><!-- c -->${iso}</Body></Envelope>`,
  ]) {
    const read = fromXml(xml);
    assert.deepEqual(read.message, { '0': '0800' });
    assert.deepEqual(read.header, Buffer.from([0, 0, 0, 0x6b]));
  }
});

test('fromXml reads jPOS XMLPackager dumps, nested isomsg included', () => {
  const post = fromXml(readFileSync(vectorPath('jpos/post.xml'), 'utf8')).message;
  assert.equal(post['0'], '0620');
  assert.equal(post['41'], 'ATM00002');
  assert.deepEqual(post['127'], { '2': 'SWITCH_KEY', '25': 'ICC_DATA' });
  const iso87 = fromXml(readFileSync(vectorPath('jpos/ISO87.xml'), 'utf8')).message;
  assert.equal(iso87['0'], '0800');
  assert.equal(iso87['3'], '000000');
});

test('fromXml names every offending field at once', () => {
  const xml = `<ISOMessage><data>
    <field id="0">0200</field>
    <field id="abc">1</field>
    <field id="3">000000</field>
    <field id="3">111111</field>
    <field>no id</field>
    <field id="-4">5</field>
    <field id="35"><b>4111111111111111=2512</b></field>
    <field id="43">AT&amp;T &nbsp;</field>
    <other/>
  </data></ISOMessage>`;
  const err = rejects(() => fromXml(xml), 'ISO8583_ERR_INVALID_MESSAGE');
  const byField = Object.fromEntries(err.problems!.map((p) => [p.field, p.code]));
  assert.deepEqual(byField, {
    'data/field[2]': 'ISO8583_ERR_FIELD_ID',
    '3': 'ISO8583_ERR_FIELD_ID',
    'data/field[5]': 'ISO8583_ERR_FIELD_ID',
    'data/field[6]': 'ISO8583_ERR_FIELD_ID',
    '35': 'ISO8583_ERR_FIELD_VALUE',
    '43': 'ISO8583_ERR_XML',
    'data/other[9]': 'ISO8583_ERR_XML',
  });
  assert.ok(!err.message.includes('411111'), 'no value in the error text');
  assert.ok(!JSON.stringify(err).includes('411111'));
});

test('fromXml refuses a document that is not an ISOMessage with ISO8583_ERR_XML', () => {
  const cases = [
    '',
    'not xml',
    '<ISOMessage><data><field id="0">0200</data></ISOMessage>',
    '<ISOMessage><data/></ISOMessage><ISOMessage><data/></ISOMessage>',
    '<message><field id="0">0200</field></message>',
    '<ISOMessage><header>AAAA</header></ISOMessage>',
    '<soap:Envelope xmlns:soap="x"><soap:Body><other/></soap:Body></soap:Envelope>',
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><ISOMessage><data><field id="0">&lol2;</field></data></ISOMessage>',
    '<!DOCTYPE x SYSTEM "file:///etc/passwd"><ISOMessage><data/></ISOMessage>',
  ];
  for (const xml of cases) rejects(() => fromXml(xml), 'ISO8583_ERR_XML');
  rejects(() => fromXml(42 as unknown as string), 'ISO8583_ERR_XML');
  rejects(() => fromXml(`<ISOMessage><data>${' '.repeat(1 << 20)}</data></ISOMessage>`), 'ISO8583_ERR_XML');
});

test('a bad header or bad EMV tags are named problems', () => {
  const err = rejects(
    () =>
      fromXml(
        '<ISOMessage><header>not base64!</header><data><field id="55"><tag id="XYZ">00</tag></field></data></ISOMessage>',
      ),
    'ISO8583_ERR_INVALID_MESSAGE',
  );
  assert.deepEqual(
    err.problems!.map((p) => [p.field, p.code]),
    [
      ['header', 'ISO8583_ERR_HEADER'],
      ['55', 'ISO8583_ERR_TLV'],
    ],
  );
});

test('the error text of a malformed document quotes no content', () => {
  const err = rejects(() => fromXml('<ISOMessage><data><field id="2">4111111111111111</fieldx></data></ISOMessage>'), 'ISO8583_ERR_XML');
  assert.ok(!err.message.includes('4111'));
  const root = rejects(() => fromXml('<PAN4111111111111111/>'), 'ISO8583_ERR_XML');
  assert.ok(!root.message.includes('411111'));
});

test('the WSO2 invalid request reads as XML and the codec names every field whose value is invalid', () => {
  const { message } = fromXml(readFileSync(vectorPath('wso2/sendMessage-request-invalid.xml'), 'utf8'));
  // Finding: fields 44 ("an..25" LLVAR, 13 letters) and 105 ("ans..999" LLLVAR) of this vector are valid under
  // both iso87ascii and the connector's own jposdef.xml; the other five (MTI, 3, 4, 7, 11) are not.
  const expected = ['0', '3', '4', '7', '11'];
  const jposdef = dialectFromPackagerXml(readFileSync(vectorPath('wso2/jposdef.xml'), 'utf8'), 'jposdef');
  for (const codec of [createCodec('iso87ascii'), createCodec(jposdef)]) {
    assert.deepEqual(codec.validate(message).map((p) => p.field), expected);
    const err = rejects(() => codec.pack(message), 'ISO8583_ERR_INVALID_MESSAGE');
    assert.deepEqual(err.problems!.map((p) => p.field), expected);
    for (const field of expected) assert.match(err.message, new RegExp(`\\b${field} \\(`));
  }
});

test('the WSO2 valid request packs and unpacks to the same fields (iso87ascii)', () => {
  const { message } = fromXml(readFileSync(vectorPath('wso2/sendMessage-request.xml'), 'utf8'));
  const codec = createCodec('iso87ascii');
  assert.deepEqual(codec.validate(message), []);
  const packed = codec.pack(message);
  assert.equal(packed.subarray(0, 4).toString('ascii'), '0200');
  assert.deepEqual(unpack(packed), message);
  assert.deepEqual(fromXml(toXml(unpack(packed))).message, message);
});

test('random and mutated documents into fromXml give a message or a coded error, nothing else', () => {
  const valid = readFileSync(vectorPath('wso2/sendMessage-request.xml'), 'utf8');
  const check = (xml: string): void => {
    try {
      fromXml(xml);
    } catch (err) {
      assert.ok(err instanceof Iso8583Error, String(err));
      assert.ok(['ISO8583_ERR_XML', 'ISO8583_ERR_INVALID_MESSAGE'].includes(err.code), err.code);
    }
  };
  fc.assert(fc.property(fc.string({ maxLength: 200 }), check), propertyRuns(500, 4));
  const pieces = fc.constantFrom('<', '>', '/', '&', ';', '"', '=', 'field', 'isomsg', 'id', ' ', 'x', '1', '<!--', '-->', '<![CDATA[', ']]>');
  fc.assert(
    fc.property(fc.array(fc.record({ at: fc.nat(), piece: pieces, cut: fc.nat({ max: 3 }) }), { minLength: 1, maxLength: 4 }), (edits) => {
      let xml = valid;
      for (const { at, piece, cut } of edits) {
        const i = at % (xml.length + 1);
        xml = xml.slice(0, i) + piece + xml.slice(i + cut);
      }
      check(xml);
    }),
    propertyRuns(1000, 4),
  );
});
