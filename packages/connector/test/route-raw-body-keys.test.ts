// POST /raw with a JSON body reads `hex` and `saf` only: any other key (a misspelt `"sfa": true`, `"timeout"`) is
// refused 400 ISO8583_ERR_CONNECTOR_INPUT naming it, before anything is sent or stored. Ignored, a misspelt "saf" sent
// an advice online. A key that is a card number is named masked. A real bank peer and a real Fastify server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { IsoMessage } from '@iso8583/codec';
import { httpCall } from '@iso8583/test-support';
import { iso8583Connector } from '../src/index.js';
import type { Connector } from '../src/index.js';
import { purchase } from './peer.js';
import { peerFor, tempDir } from './helpers/setup.js';
import type { AfterHook } from './helpers/setup.js';

/** The routes (SAF on) to a bank that approves everything; the advice's hex in the bank's dialect. */
async function rawApp(t: AfterHook) {
  const bank = await peerFor(t);
  const app = Fastify();
  await app.register(iso8583Connector, {
    name: 'bank', host: '127.0.0.1', port: bank.port, saf: { enabled: true, journalDir: tempDir(t, 'raw-keys') }, routes: { prefix: '' },
  });
  const port = Number(new URL(await app.listen({ port: 0, host: '127.0.0.1' })).port);
  t.after(() => app.close());
  const hexOf = (stan: string): string => {
    const advice: IsoMessage = { ...purchase(stan), '0': '0220' };
    delete advice['35'];
    return (app.iso8583['bank'] as Connector).codec.pack(advice).toString('hex');
  };
  const post = (body: unknown) => httpCall(port, 'POST', '/raw', { 'content-type': 'application/json' }, JSON.stringify(body));
  return { bank, hex: hexOf('000971'), hexOf, post };
}

for (const [key, value] of [['sfa', true], ['timeout', 500], ['SAF', true], ['message', 'x']] as const) {
  test(`routes – POST /raw refuses a JSON body with the key "${key}" beside hex, naming it, and sends nothing`, async (t) => {
    const { bank, hex, post } = await rawApp(t);
    const res = await post({ hex, [key]: value });
    assert.equal(res.status, 400, res.body);
    const told = JSON.parse(res.body) as { result: unknown; errors: Array<{ code: string; field?: string; message: string }> };
    assert.equal(told.result, null);
    assert.equal(told.errors[0]?.code, 'ISO8583_ERR_CONNECTOR_INPUT');
    assert.equal(told.errors[0]?.field, key);
    assert.match(told.errors[0]?.message ?? '', new RegExp(`^${key}: is not a key of this route's JSON body \\(hex, saf\\)$`));
    assert.equal(bank.received.length, 0, 'the message was sent');
  });
}

test('routes – POST /raw names a JSON body key that is a card number masked', async (t) => {
  const { bank, hex, post } = await rawApp(t);
  const pan = '4761739001010010';
  const res = await post({ hex, [pan]: true });
  assert.equal(res.status, 400, res.body);
  assert.ok(!res.body.includes(pan) && !res.body.includes(pan.slice(6)), `the card number is in the answer: ${res.body}`);
  assert.equal(bank.received.length, 0);
});

test('routes – POST /raw still takes { hex } (sent) and { hex, saf: true } (stored)', async (t) => {
  const { bank, hexOf, post } = await rawApp(t);
  // Two advices: the one stored may be forwarded while the other is sent (one transaction would be a duplicate).
  const stored = await post({ hex: hexOf('000972'), saf: true });
  assert.equal(stored.status, 202, stored.body);
  const sent = await post({ hex: hexOf('000973'), saf: false });
  assert.equal(sent.status, 200, sent.body);
  assert.ok(bank.received.some((r) => r.message['11'] === '000973'));
});
