// A JSON body whose field value is a number written with a decimal point, an exponent or as -0 ("4": 25.00, 2.5e1,
// 25e0, 1E2, 0.0, -0) is refused 400 ISO8583_ERR_CONNECTOR_INPUT naming the field, before anything is sent: JSON.parse
// read 25.00 as 25, and the routes sent an amount of 25 minor units. The rule is the codec's (INEXACT_NUMBER_REASON).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { INEXACT_NUMBER_REASON } from '@iso8583/codec';
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
