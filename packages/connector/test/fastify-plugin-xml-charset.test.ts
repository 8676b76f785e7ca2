// An XML body is read in the charset its Content-Type or XML declaration names (UTF-8 or ISO-8859-1; UTF-8 when
// neither says): an ISO-8859-1 merchant name was read as UTF-8 and refused as a bad field 43. Another charset, or a
// header and declaration that differ, is refused naming them, never sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { httpCall } from '@iso8583/test-support';
import type { HttpAnswer } from '@iso8583/test-support';
import { routedApp } from './helpers/plugin-app.js';

/** POSTs `body` (bytes as they are) to `/` and answers the status and the body text. */
const post = (port: number, contentType: string, body: Buffer): Promise<HttpAnswer> => httpCall(port, 'POST', '/', { 'content-type': contentType }, body);

const NAME = 'CAFÉ SÃO PAULO';
const doc = (encoding: string | undefined) =>
  `${encoding === undefined ? '' : `<?xml version="1.0" encoding="${encoding}"?>`}<ISOMessage><data><field id="0">0200</field><field id="3">000000</field><field id="11">000001</field><field id="41">TERM0001</field><field id="43">${NAME}</field></data></ISOMessage>`;

test('fastify xml – an ISO-8859-1 body (charset, XML declaration, or both) is read as ISO-8859-1; UTF-8 stays the default', async (t) => {
  const { peer, port } = await routedApp(t);
  const cases: [string, Buffer][] = [
    ['text/xml; charset=ISO-8859-1', Buffer.from(doc('ISO-8859-1'), 'latin1')],
    ['text/xml', Buffer.from(doc('iso-8859-1'), 'latin1')],
    ['application/xml; charset="latin1"', Buffer.from(doc(undefined), 'latin1')],
    ['text/xml; charset=UTF-8', Buffer.from(doc('UTF-8'), 'utf8')],
    ['text/xml', Buffer.from(doc(undefined), 'utf8')],
  ];
  for (const [type, body] of cases) {
    const r = await post(port, type, body);
    assert.equal(r.status, 200, `${type}: ${r.body}`);
    assert.match(r.body, /CAFÉ SÃO PAULO/, `${type}: the answer echoes field 43`);
  }
  assert.deepEqual(peer.received.map((r) => String(r.message['43']).trimEnd()), cases.map(() => NAME));
});

test('fastify xml – a charset other than UTF-8 or ISO-8859-1, or a header and declaration that differ, is refused naming them, never sent', async (t) => {
  const { peer, port } = await routedApp(t);
  const cases: [string, Buffer, string][] = [
    ['text/xml; charset=windows-1252', Buffer.from(doc(undefined), 'latin1'), 'the body\'s charset "windows-1252" is not one the routes read (UTF-8, ISO-8859-1)'],
    ['text/xml', Buffer.from(doc('Shift_JIS'), 'latin1'), 'the XML declaration\'s encoding "Shift_JIS" is not one the routes read (UTF-8, ISO-8859-1)'],
    ['text/xml; charset=utf-8', Buffer.from(doc('ISO-8859-1'), 'latin1'), 'the body\'s charset "utf-8" and its XML declaration\'s encoding "ISO-8859-1" differ'],
  ];
  for (const [type, body, reason] of cases) {
    const r = await post(port, type, body);
    assert.equal(r.status, 400, r.body);
    // A body refused before a route ran is answered in JSON (body-problem.ts).
    assert.deepEqual((JSON.parse(r.body) as { errors: unknown[] }).errors, [{ code: 'ISO8583_ERR_CONNECTOR_INPUT', message: reason }], type);
  }
  assert.equal(peer.received.length, 0);
});

test('fastify xml – a charset label that is a card number (digits split by - . or :) is refused with no digit of it', async (t) => {
  const { peer, port } = await routedApp(t);
  const cases: [string, Buffer, string][] = [
    ['text/xml', Buffer.from(doc('4111-1111-1111-1111'), 'latin1'), 'the XML declaration\'s encoding "####-####-####-####" is not one the routes read (UTF-8, ISO-8859-1)'],
    ['text/xml; charset=4111.1111.1111.1111', Buffer.from(doc(undefined), 'latin1'), 'the body\'s charset "####.####.####.####" is not one the routes read (UTF-8, ISO-8859-1)'],
    ['text/xml; charset=41111111:11111111', Buffer.from(doc(undefined), 'latin1'), 'the body\'s charset "########:########" is not one the routes read (UTF-8, ISO-8859-1)'],
    ['text/xml; charset=ISO-8859-15', Buffer.from(doc(undefined), 'latin1'), 'the body\'s charset "ISO-8859-15" is not one the routes read (UTF-8, ISO-8859-1)'],
  ];
  for (const [type, body, reason] of cases) {
    const r = await post(port, type, body);
    assert.equal(r.status, 400, r.body);
    assert.doesNotMatch(r.body, /1111/, type);
    assert.deepEqual((JSON.parse(r.body) as { errors: unknown[] }).errors, [{ code: 'ISO8583_ERR_CONNECTOR_INPUT', message: reason }], type);
  }
  assert.equal(peer.received.length, 0);
});
