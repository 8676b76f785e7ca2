/**
 * One SOAP request is one `ISOMessage`: a Body with two, or with text beside the one, is refused as a whole, never
 * read in part (the second request would have no outcome at all).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromXml } from '../src/index.js';

const iso = (stan: string) => `<ISOMessage><data><field id="0">0200</field><field id="11">${stan}</field></data></ISOMessage>`;
const envelope = (body: string) =>
  `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Header/><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

test('fromXml – a SOAP Body (or its operation element) with two ISOMessage elements is refused, naming the count', () => {
  for (const body of [iso('000001') + iso('000002'), `<op:send xmlns:op="urn:x">${iso('000001')}${iso('000002')}</op:send>`, `<op:a xmlns:op="urn:x">${iso('000001')}</op:a><op:b xmlns:op="urn:x">${iso('000002')}</op:b>`]) {
    assert.throws(() => fromXml(envelope(body)), { code: 'ISO8583_ERR_XML', message: /the SOAP Body holds 2 ISOMessage elements/ }, body);
  }
});

test('fromXml – text in the SOAP Body or beside the ISOMessage in its operation element is refused', () => {
  for (const body of [`junk${iso('000001')}`, `${iso('000001')}<![CDATA[x]]>`, `<op:send xmlns:op="urn:x">${iso('000001')} more</op:send>`]) {
    assert.throws(() => fromXml(envelope(body)), { code: 'ISO8583_ERR_XML', message: /the SOAP Body holds text outside its ISOMessage/ }, body);
  }
});

test('fromXml – one ISOMessage in the Body (white space around it, a sibling element holding text) is read', () => {
  const read = (body: string) => fromXml(envelope(body)).message;
  assert.deepEqual(read(`\n  ${iso('000001')}\n`), { '0': '0200', '11': '000001' });
  assert.deepEqual(read(`<op:send xmlns:op="urn:x"><op:id>42</op:id>${iso('000001')}</op:send>`), { '0': '0200', '11': '000001' });
});
