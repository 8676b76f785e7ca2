// A reply's MTI is checked once the reply has packed: a reply without a valid MTI (none, ' 210', '210') is refused as
// an invalid reply (96), counted once as ISO8583_ERR_INBOUND_REPLY_INVALID, never first warned of as "sent as it is"
// (ISO8583_ERR_INBOUND_REPLY_UNEXPECTED) as well. And a reply to a message that expects none (a client's 0210 or
// 0430) is warned of as a wrong MTI is (same code), and sent as it is. Real endpoint, real client socket.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { MessageInput } from '@iso8583/codec';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';
import { captureLogs } from './support/logs.js';

test('reply MTI – a reply with no MTI, or not four digits, is refused (96) once, never also warned of as sent', async (t) => {
  const logs = captureLogs('warn');
  const mtis: Record<string, string | undefined> = { '000001': undefined, '000002': ' 210', '000003': '210' };
  const sequence: Sequence = (m) => {
    const reply: MessageInput = { 11: m.fields['11'], 41: m.fields['41'], 39: '00' };
    const mti = mtis[m.fields['11'] as string];
    return mti === undefined ? reply : { ...reply, 0: mti };
  };
  const { port, endpoint } = await startEndpoint(t, { sequence, logger: logs.logger });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  for (let stan = 1; stan <= 3; stan++) {
    const reply = await within(client.request(purchase(stan)), 5_000, `no reply to STAN ${stan}`);
    assert.deepEqual([reply.fields['0'], reply.fields['39']], ['0210', '96']);
  }
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_REPLY_INVALID, 3);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_REPLY_UNEXPECTED, undefined);
  assert.doesNotMatch(logs.text(), /sent as it is/);
});

test('reply MTI – a reply to a client\'s 0210 or 0430 (which expect none) is warned of and sent as it is; null is not', async (t) => {
  const logs = captureLogs('warn');
  // Synchronous: each message is handled as its frame is read, in order.
  const sequence: Sequence = (m) => (m.fields['11'] === '000003' ? null : { ...m.fields, 0: m.mti === '0200' ? '0210' : m.mti, 39: '00' });
  const { port, endpoint } = await startEndpoint(t, { sequence, logger: logs.logger });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  const first = await within(client.request(purchase(1, { 0: '0210', 39: '00' })), 5_000, 'no reply to the 0210');
  assert.equal(first.fields['0'], '0210', 'sent as it is');
  const line = JSON.parse(await within(logs.waitFor(/expects no response/), 5_000, 'no line for the reply to an 0210')) as Record<string, unknown>;
  assert.deepEqual([line.code, line.mti, line.stan, line.replyMti, line.source], ['ISO8583_ERR_INBOUND_REPLY_UNEXPECTED', '0210', '000001', '0210', 'sequence']);
  await within(client.request(purchase(2, { 0: '0430', 39: '00' })), 5_000, 'no reply to the 0430');
  client.send(purchase(3, { 0: '0210', 39: '00' }));
  // The null (no reply, not counted) is handled before the fourth message, a right exchange.
  assert.equal((await within(client.request(purchase(4)), 5_000, 'no reply to STAN 4')).fields['39'], '00');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_REPLY_UNEXPECTED, 2);
  assert.doesNotMatch(logs.text(), /4111111111111111/);
});
