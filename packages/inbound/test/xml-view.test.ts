// The XML view of a message that XML 1.0 cannot carry (a lenient endpoint accepts a NUL or ESC in an `ans` field):
// reading `message.xml` throws ISO8583_ERR_INVALID_MESSAGE naming the field, never its value; a sequence that catches
// it answers from `fields`, one that does not is a failed sequence (response code 96), and the listener stays up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIso8583Error } from '@iso8583/codec';
import type { Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';

/**
 * The frame of a purchase whose field 43 (card acceptor name, ans 40) holds a NUL and an ESC: packed with stand-ins
 * (a strict pack refuses them), which are then replaced in the bytes.
 */
function withControls(client: TestClient, stan: number): Buffer {
  const frame = client.frame(purchase(stan, { 43: 'SHOP~NAME^CITY'.padEnd(40, ' ') }));
  const at = frame.indexOf('SHOP~NAME^CITY', 0, 'latin1');
  frame[at + 4] = 0x00;
  frame[at + 9] = 0x1b;
  return frame;
}

test('xml view – a lenient message with control characters: xml throws naming the field; caught, the sequence answers from fields', async (t) => {
  const seen: unknown[] = [];
  const sequence: Sequence = (message) => {
    try {
      return message.xml;
    } catch (err) {
      seen.push(isIso8583Error(err) ? { code: err.code, fields: err.problems?.map((p) => p.field), text: err.message } : err);
      return { 0: '0210', 11: message.fields['11'] as string, 39: '00' };
    }
  };
  const { port } = await startEndpoint(t, { sequence, lenient: true });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(withControls(client, 1));
  const reply = await client.reply();
  assert.equal(reply.fields['39'], '00');
  assert.equal(seen.length, 1);
  const error = seen[0] as { code: string; fields: string[]; text: string };
  assert.equal(error.code, 'ISO8583_ERR_INVALID_MESSAGE');
  assert.deepEqual(error.fields, ['43']);
  assert.ok(!error.text.includes('SHOP'), 'the value is not in the error');
});

test('xml view – uncaught, the throw is the sequence failing: response code 96, counted, the listener stays up', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: (message) => message.xml, lenient: true });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.write(withControls(client, 2));
  assert.equal((await client.reply()).fields['39'], '96');
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_SEQUENCE_FAILED, 1);
  // The same connection goes on: a message XML can carry is echoed back as XML.
  assert.match(String((await client.request(purchase(3))).fields['11']), /^000003$/);
});
