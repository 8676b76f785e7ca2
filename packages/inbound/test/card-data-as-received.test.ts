// The card-data mask, the endpoint's failure line and its 96 are made from the request as the client sent it, not from
// the object the sequence was handed and may change: a sequence that takes the PIN block out of `message.fields`, then
// fails with an error naming it, does not get it logged in clear; one that replaces the PAN and the track before its
// first `context.logger` call does not get them logged either; the 96 echoes the client's STAN and terminal. Real
// sockets on 127.0.0.1, a real pino logger writing to memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MessageInput } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import type { Reply } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';
import { fieldsAsReceived } from '../src/inbound-message.js';

const PAN = '4111111111111111';
const TRACK2 = `${PAN}=2512101123456789`;
const AFTER_SEPARATOR = '2512101123456789';
const PIN_BLOCK = 'A1B2C3D4E5F60718';

function request(stan: number): MessageInput {
  return purchase(stan, { 35: TRACK2, 52: PIN_BLOCK });
}

function answer(client: TestClient, message: MessageInput): Promise<Reply> {
  return within(client.request(message), 10_000, `an answer to STAN ${String(message['11'])}`);
}

function assertMasked(text: string): void {
  for (const value of [PAN, AFTER_SEPARATOR, PIN_BLOCK]) assert.ok(!text.includes(value), `clear card data in the log: ${text}`);
}

test('card data as received – a sequence that deletes field 52, then fails naming it: masked; the 96 echoes the client', async (t) => {
  const logs = captureLogs('info');
  const sequence: Sequence = async (message) => {
    const pinBlock = message.fields['52'];
    // The request passed on without the PIN block, and rewritten (a sequence's own numbering).
    delete message.fields['52'];
    message.fields['11'] = '999999';
    delete message.fields['41'];
    await Promise.resolve();
    throw new Error(`HSM: PIN block ${String(pinBlock)} fails format check`);
  };
  const { port } = await startEndpoint(t, { logger: logs.logger, sequence });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const reply = await answer(client, request(41));
  const line = await within(logs.waitFor(/the sequence failed/), 10_000, 'the failure line');
  assert.match(line, /HSM: PIN block/);
  assertMasked(logs.text());
  assert.match(line, /"stan":"000041"/);
  assert.equal(reply.fields['39'], '96');
  assert.equal(reply.fields['11'], '000041');
  assert.equal(reply.fields['41'], 'TERM0001');
});

test('card data as received – a sequence that replaces fields 2 and 35 before its first log call: masked', async (t) => {
  const logs = captureLogs('info');
  const sequence: Sequence = (message, context) => {
    const track = message.fields['35'];
    message.fields['2'] = 'hidden';
    message.fields['35'] = 'hidden';
    context.logger.info(`card read from track ${String(track)}`);
    return { 0: '0210', 11: message.fields['11'], 41: message.fields['41'], 39: '00' };
  };
  const { port } = await startEndpoint(t, { logger: logs.logger, sequence });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await answer(client, request(42))).fields['39'], '00');
  await within(logs.waitFor(/card read from track/), 10_000, 'the sequence\'s line');
  assertMasked(logs.text());
});

test('card data as received – a value the sequence puts into message.fields (a PIN block translated) is masked too, in its failure line', async (t) => {
  const logs = captureLogs('info');
  const TRANSLATED = 'B7C8D9E0F1A2B3C4';
  const sequence: Sequence = async (message) => {
    message.fields['52'] = TRANSLATED;
    await Promise.resolve();
    throw new Error(`HSM: translated PIN block ${TRANSLATED} refused by the issuer key`);
  };
  const { port } = await startEndpoint(t, { logger: logs.logger, sequence });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await answer(client, request(43))).fields['39'], '96');
  const line = await within(logs.waitFor(/the sequence failed/), 10_000, 'the failure line');
  assert.match(line, /HSM: translated PIN block/);
  assert.ok(!logs.text().includes(TRANSLATED), `the translated PIN block in clear: ${logs.text()}`);
  assertMasked(logs.text());
});

test('card data as received – context.logger used first, then the sequence puts a PIN block into message.fields and logs it: masked', async (t) => {
  const logs = captureLogs('info');
  const TRANSLATED = 'C4B3A2F1E0D9C8B7';
  const sequence: Sequence = (message, context) => {
    context.logger.info('translating the PIN block');
    message.fields['52'] = TRANSLATED;
    context.logger.warn(`issuer key refused the translated PIN block ${TRANSLATED}`);
    return { 0: '0210', 11: message.fields['11'], 41: message.fields['41'], 39: '00' };
  };
  const { port } = await startEndpoint(t, { logger: logs.logger, sequence });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await answer(client, request(44))).fields['39'], '00');
  await within(logs.waitFor(/issuer key refused/), 10_000, 'the sequence\'s second line');
  assert.ok(!logs.text().includes(TRANSLATED), `the translated PIN block in clear: ${logs.text()}`);
  assertMasked(logs.text());
});

test('card data as received – the endpoint\'s copy holds composite fields as received', () => {
  const fields = { 0: '0200', 2: PAN, 127: { 2: PAN, 3: { 1: PIN_BLOCK } } };
  const copy = fieldsAsReceived(fields);
  delete (fields['127'] as Record<string, unknown>)['2'];
  fields['127']['3']['1'] = 'changed';
  fields['2'] = 'hidden';
  assert.deepEqual(copy, { 0: '0200', 2: PAN, 127: { 2: PAN, 3: { 1: PIN_BLOCK } } });
});
