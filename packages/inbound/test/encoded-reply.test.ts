// An EncodedReply (a relayed wire image with its decoded view) goes back to the client byte for byte when it is in
// the endpoint's own wire format; otherwise its view is packed like a reply object.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCodec, getDialect } from '@iso8583/codec';
import type { Codec, IsoMessage } from '@iso8583/codec';
import { EncodedReply } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { startEndpoint } from './support/endpoint.js';

const ascii = createCodec('iso87ascii');

/** An 0210 for `request` in `codec`, with fields 37 and 38 (so that the iso87ascii bitmap has hex letters). */
function approval(request: IsoMessage, codec: Codec): { message: IsoMessage; body: Buffer } {
  const reply = { '0': '0210', '3': '000000', '4': request['4'], '11': request['11'], '37': '000000000001', '38': 'ABC123', '39': '00', '41': request['41'] } as IsoMessage;
  const body = codec.pack(reply);
  return { message: codec.unpack(body), body };
}

test('encoded reply – bytes in the endpoint dialect are written as they are, not packed again', async (t) => {
  const { port, endpoint } = await startEndpoint(t, {
    sequence: (m) => {
      const { message, body } = approval(m.fields, ascii);
      // Valid but not what pack writes: the hex bitmap in lower case.
      const relayed = Buffer.from(body);
      relayed.write(body.toString('latin1', 4, 20).toLowerCase(), 4, 'latin1');
      return new EncodedReply(message, relayed, getDialect('iso87ascii'));
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(1));
  const reply = await client.reply();
  assert.match(reply.payload.toString('latin1', 4, 20), /[a-f]/, 'the lower-case bitmap reached the client');
  assert.equal(reply.fields['39'], '00');
  assert.equal(reply.fields['11'], '000001');
  assert.equal(endpoint.stats().replies, 1);
});

test('encoded reply – bytes in another dialect are not sent: the decoded view is packed in the endpoint dialect', async (t) => {
  const binary = createCodec('iso87binary');
  const { port } = await startEndpoint(t, {
    sequence: (m) => {
      const { message, body } = approval(m.fields, binary);
      return new EncodedReply(message, body, getDialect('iso87binary'));
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(2));
  const reply = await client.reply();
  assert.deepEqual(reply.payload, ascii.pack(approval(reply.fields, ascii).message));
  assert.equal(reply.fields['11'], '000002');
});

test('encoded reply – a view that does not pack (other dialect) gets response code 96 like any invalid reply', async (t) => {
  const binary = createCodec('iso87binary');
  const { port } = await startEndpoint(t, {
    sequence: (m) => {
      const { body } = approval(m.fields, binary);
      return new EncodedReply({ '0': '0210', '11': m.fields['11'] as string, '39': 'TOO-LONG' }, body, getDialect('iso87binary'));
    },
  });
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  client.send(purchase(3));
  const reply = await client.reply();
  assert.equal(reply.fields['39'], '96');
  assert.equal(reply.fields['11'], '000003');
});
