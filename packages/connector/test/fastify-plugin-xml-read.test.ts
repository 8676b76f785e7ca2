// What the XML route reads: a SOAP Body with two ISOMessage elements is refused whole (one request would have had no
// outcome), and a jPOS dump is read for the connector's dialect by jPOS's rule for `type` (text on a binary field is
// its bytes). The host sees only what was read whole.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpCall } from '@iso8583/test-support';
import { routedApp } from './helpers/plugin-app.js';

const iso = (stan: string) => `<ISOMessage><data><field id="0">0200</field><field id="3">000000</field><field id="4">000000001000</field><field id="11">${stan}</field><field id="41">TERM0001</field></data></ISOMessage>`;

test('fastify xml – a SOAP Body with two ISOMessage elements is refused (ISO8583_ERR_XML), neither sent', async (t) => {
  const { peer, port } = await routedApp(t);
  const soap = `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>${iso('000001')}${iso('000002')}</soapenv:Body></soapenv:Envelope>`;
  const r = await httpCall(port, 'POST', '/', { 'content-type': 'text/xml' }, soap);
  assert.equal(r.status, 400, r.body);
  assert.match(r.body, /^<error code="ISO8583_ERR_XML">the SOAP Body holds 2 ISOMessage elements/);
  // One of them sent would be on the one connection before this answered one: the host got only this.
  const one = await httpCall(port, 'POST', '/', { 'content-type': 'text/xml' }, iso('000003'));
  assert.equal(one.status, 200, one.body);
  assert.deepEqual(peer.received.map((m) => m.message['11']), ['000003'], 'neither was sent');
});

test('fastify xml – a jPOS dump is read for the connector\'s dialect: a text value on a binary field is its bytes', async (t) => {
  const { peer, port } = await routedApp(t);
  // iso87ascii field 52 is 8 binary bytes: jPOS packs value="ABCDEFGH" (no type="binary") as its eight characters.
  const dump = '<isomsg><field id="0" value="0800"/><field id="11" value="000001"/><field id="52" value="ABCDEFGH"/><field id="70" value="301"/></isomsg>';
  const r = await httpCall(port, 'POST', '/', { 'content-type': 'application/xml' }, dump);
  assert.equal(r.status, 200, r.body);
  assert.equal(peer.received[0]?.message['52'], '4142434445464748');
});
