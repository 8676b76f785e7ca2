// A client that sends nothing but frames that do not decode is cut off after `maxFormatErrors` in a row
// (ISO8583_ERR_INBOUND_FORMAT_ERRORS) instead of costing every other client its share of the event loop; a frame that
// decodes starts the count over; the other clients' answers keep flowing meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import { badFrame, TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, rawConnect } from './support/gates.js';

test('format errors – a flooder is closed after maxFormatErrors frames in a row that do not decode; a good client keeps its answers', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxFormatErrors: 8 });
  const good = await TestClient.connect(port);
  t.after(() => good.destroy());
  const flooder = await rawConnect(port);
  flooder.on('data', () => undefined);
  const closed = closedBy(flooder);
  const one = badFrame();
  flooder.write(Buffer.concat(Array.from({ length: 5_000 }, () => one)));
  // The good client's answers flow while the flood is handled (each within the deadline, none timed).
  for (let stan = 1; stan <= 20; stan++) {
    const reply = await within(good.request(purchase(stan)), 10_000, `the good client's answer ${stan}`);
    assert.equal(reply.fields['39'], '00');
  }
  await within(closed, 10_000, 'the flooder to be closed');
  const errors = endpoint.stats().errorsByCode;
  assert.equal(errors.ISO8583_ERR_INBOUND_FORMAT_ERRORS, 1, 'closed once, with its code');
  assert.equal(errors.ISO8583_ERR_INBOUND_DECODE, 8, 'nothing more was decoded after the eighth');
  const reply = await within(good.request(purchase(21)), 10_000, 'the good client after the flooder is gone');
  assert.equal(reply.fields['39'], '00');
});

test('format errors – a frame that decodes starts the count over: bad frames among good ones keep the connection', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxFormatErrors: 3 });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  for (let stan = 1; stan <= 4; stan++) {
    client.write(Buffer.concat([badFrame(), badFrame()]));
    client.send(purchase(stan));
    const replies = [];
    for (let i = 0; i < 3; i++) replies.push((await within(client.reply(), 10_000, `reply ${i + 1} of round ${stan}`)).fields);
    assert.deepEqual(replies.map((r) => r['39']).sort(), ['00', '30', '30'], 'two format errors and the answer');
  }
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FORMAT_ERRORS, undefined);
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_DECODE, 8);
});
