/**
 * The SOAP reader takes the `ISOMessage` as the docs say: directly in the `Body`, or inside one operation element. One
 * two wrappers deep is not looked for (it was read, against the docs): the Body holds no ISOMessage.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromXml } from '../src/index.js';

const iso = '<ISOMessage><data><field id="0">0200</field><field id="11">000001</field></data></ISOMessage>';
const envelope = (body: string) => `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${body}</soapenv:Body></soapenv:Envelope>`;

test('fromXml – a SOAP ISOMessage directly in the Body or in one operation element is read', () => {
  for (const body of [iso, `<op:send xmlns:op="urn:x">${iso}</op:send>`]) {
    assert.deepEqual(fromXml(envelope(body)).message, { '0': '0200', '11': '000001' }, body);
  }
});

test('fromXml – a SOAP ISOMessage two wrappers deep is not looked for: the Body holds none', () => {
  const body = `<op:send xmlns:op="urn:x"><op:request>${iso}</op:request></op:send>`;
  assert.throws(() => fromXml(envelope(body)), { code: 'ISO8583_ERR_XML', message: /the SOAP envelope holds no ISOMessage in its Body/ });
});
