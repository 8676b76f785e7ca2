// A JSON body whose field value is a number written with a decimal point, an exponent or as -0 ("4": 25.00, 2.5e1,
// 25e0, 1E2, 0.0, -0) is refused 400 ISO8583_ERR_CONNECTOR_INPUT naming the field, before anything is sent: JSON.parse
// read 25.00 as 25, and the routes sent an amount of 25 minor units. The rule is the codec's (INEXACT_NUMBER_REASON).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { INEXACT_NUMBER_REASON, TOO_BIG_NUMBER_REASON, isTooBigNumber } from '@iso8583/codec';
import { httpCall } from '@iso8583/test-support';
import { iso8583Connector } from '../src/index.js';
import { peerFor } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** The routes to a bank that approves everything. */
async function routes(t: AfterHook) {
  const bank = await peerFor(t);
  const app = Fastify();
  await app.register(iso8583Connector, { name: 'bank', host: '127.0.0.1', port: bank.port, routes: { prefix: '' } });
  const port = Number(new URL(await app.listen({ port: 0, host: '127.0.0.1' })).port);
  t.after(() => app.close());
  const post = (text: string) => httpCall(port, 'POST', '/', { 'content-type': 'application/json' }, text);
  return { bank, post };
}

const BODY = '{"0":"0200","3":"000000","4":AMOUNT,"7":"1121103000","11":"001301","41":"TERM0001","49":"840"}';

test('routes – POST / refuses a field value written as 25.00, 2.5e1, 25e0, 1E2, 0.0, -0 or 25.5, naming it, and sends nothing', async (t) => {
  const { bank, post } = await routes(t);
  for (const amount of ['25.00', '2.5e1', '25e0', '1E2', '0.0', '-0', '25.5']) {
    const res = await post(BODY.replace('AMOUNT', amount));
    assert.equal(res.status, 400, `${amount}: ${res.body}`);
    const told = JSON.parse(res.body) as { result: unknown; errors: Array<{ code: string; message: string }> };
    assert.equal(told.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_INPUT', amount);
    assert.equal(told.errors[0]?.message, `the body gives the key "4" ${INEXACT_NUMBER_REASON}`, amount);
  }
  assert.equal(bank.received.length, 0, 'a message was sent');
  // Whole digits, as a number or as text, go as before.
  const sent = await post(BODY.replace('AMOUNT', '2500'));
  assert.equal(sent.status, 200, sent.body);
  assert.equal(bank.received[0]?.message['4'], '000000002500');
});

test('routes – a nested field value is named by its path', async (t) => {
  const { bank, post } = await routes(t);
  const res = await post(BODY.replace('"4":AMOUNT', '"4":"000000002500","127":{"2":1.0}'));
  assert.equal(res.status, 400, res.body);
  assert.match(res.body, /the body gives the key \\"127\.2\\" a number written with a decimal point/);
  assert.equal(bank.received.length, 0);
});

// A card number sent as a JSON number past 2^53 (19 digits, not Luhn-valid: no real card) was read by JSON.parse as
// another number and passed on: the console's send recorded the rounded, other card in the transaction log. A whole
// number JSON.parse cannot keep is refused at the body, as the codec refuses it: give it as a string.
test('routes – a whole number too big to keep (a card number as a JSON number) is refused naming its key, nothing sent', async (t) => {
  const { bank, post } = await routes(t);
  const res = await post(BODY.replace('"4":AMOUNT', '"2":6799990100000000018,"4":"000000002500"'));
  assert.equal(res.status, 400, res.body);
  const told = JSON.parse(res.body) as { errors: Array<{ code: string; message: string }> };
  assert.equal(told.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
  assert.equal(told.errors[0]?.message, `the body gives the key "2" ${TOO_BIG_NUMBER_REASON}`);
  assert.doesNotMatch(res.body, /67999901/);
  assert.equal(bank.received.length, 0, 'a message was sent');
  // 2^53 - 1 and a 16-digit number JSON keeps are read as before (the codec then judges them as values).
  assert.equal(isTooBigNumber('9007199254740991'), false);
  assert.equal(isTooBigNumber('9007199254740993'), true);
  assert.equal(isTooBigNumber('-12345678901234567890'), true);
  assert.equal(isTooBigNumber('1000000000000000'), false);
});
