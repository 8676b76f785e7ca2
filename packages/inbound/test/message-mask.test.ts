// A message's card-data mask is made once (some 30 µs for a purchase with track 2, PIN block and EMV data) and made
// again only when the sequence has changed its fields since: it was made for every line of the sequence's logger and
// again for each failure line, its context's view and a late result (6 masks for a message whose sequence logs once
// and fails, and whose onError logs its context and fails). A value the sequence puts into its fields after a line was
// written is masked all the same (card-data-as-received.test.ts). The count is the mask's own (`cardDataMaskWork`),
// not a clock. Real sockets on 127.0.0.1, a real pino logger writing to memory.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import type { Sequence } from '../src/index.js';
import { cardDataMaskWork } from '../src/card-data-mask.js';
import { messageMask } from '../src/message-mask.js';
import type { MaskOrigin } from '../src/message-mask.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

const PAN = '4111111111111111';
const TRACK2 = `${PAN}=2512101123456789`;
const PIN_BLOCK = 'A1B2C3D4E5F60718';
const dialect = createCodec('iso87ascii').dialect;

/** A message in flight as the mask sees it: the request as received, and the sequence's own fields. */
function origin(own: IsoMessage): MaskOrigin {
  return { fields: { 0: '0200', 2: PAN, 11: '000001' }, message: { fields: own }, dialect };
}

test('message mask – kept while the sequence\'s fields read the same; made again when a value, a key or a sub-field changes', () => {
  const own: IsoMessage = { 0: '0200', 2: PAN, 11: '000001', 127: { 2: 'abc', 3: { 1: 'x' } } };
  const job = origin(own);
  const first = messageMask(job);
  assert.equal(messageMask(job), first, 'unchanged: the same mask');
  const changes: Array<[string, () => void, string | undefined]> = [
    ['a value replaced', () => (own['52'] = 'B7C8D9E0F1A2B3C4'), 'B7C8D9E0F1A2B3C4'],
    ['a sub-field changed', () => (((own['127'] as IsoMessage)['3'] as IsoMessage)['1'] = '5105105105105100'), '5105105105105100'],
    ['a sub-field added', () => ((own['127'] as IsoMessage)['4'] = '5555555555554444'), '5555555555554444'],
    ['a key deleted', () => delete own['11'], undefined],
    ['a key added with a number (not read by a mask) and one with a string', () => Object.assign(own, { 4: 1000, 48: 'x' }), undefined],
  ];
  let last = first;
  for (const [what, change, secret] of changes) {
    change();
    const now = messageMask(job);
    assert.notEqual(now, last, `${what}: a new mask`);
    assert.equal(messageMask(job), now, `${what}: kept once made`);
    if (secret !== undefined) assert.ok(!now.text(`value ${secret}`).includes(secret), `${what}: the new value masked`);
    last = now;
  }
  (own as Record<string, unknown>)['4'] = 2000;
  assert.equal(messageMask(job), last, 'a value no mask reads changed: the same mask');
});

test('message mask – a failed message whose sequence logs and whose onError logs its context and fails: one mask, card data masked', async (t) => {
  const logs = captureLogs('info');
  const sequence: Sequence = async (message, context) => {
    context.logger.info(`authorising ${String(message.fields['2'])}`);
    context.logger.info({ fields: message.fields }, 'request');
    await Promise.resolve();
    throw new Error(`declined ${String(message.fields['35'])}`);
  };
  const onError: Sequence = async (_message, context) => {
    context.logger.warn({ context }, 'onError');
    await Promise.resolve();
    throw new Error(`onError failed for PIN block ${PIN_BLOCK}`);
  };
  const { port } = await startEndpoint(t, { logger: logs.logger, sequence, onError });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const N = 5;
  const before = cardDataMaskWork.builds;
  for (let stan = 1; stan <= N; stan++) {
    const reply = await within(client.request(purchase(stan, { 35: TRACK2, 52: PIN_BLOCK })), 10_000, `an answer to STAN ${stan}`);
    assert.equal(reply.fields['39'], '96');
  }
  assert.equal(cardDataMaskWork.builds - before, N, 'one mask a message');
  const text = logs.text();
  assert.equal(text.split('\n').filter((l) => l.includes('"msg":"the sequence failed"')).length, 2 * N, 'a failure line for the sequence and one for onError');
  assert.match(text, /onError failed for PIN block/);
  for (const value of [PAN, '2512101123456789', PIN_BLOCK]) assert.ok(!text.includes(value), `${value} in clear in the log`);
});
