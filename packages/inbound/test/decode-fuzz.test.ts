import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { propertyRuns } from '@iso8583/test-support';
import { encodeFrame } from '@iso8583/codec';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

// One byte of a valid purchase changed, the frame kept whole: whatever the byte, the endpoint answers 00 (it still
// decodes), answers 30 (it does not), or stays silent (no readable request MTI); it never fails inside, and the
// connection keeps serving.
for (const dialect of ['iso87ascii', 'iso87binary']) {
  test(`decode fuzz (${dialect}) – a changed byte is answered 00 or 30 or not at all, and never breaks the connection`, async (t) => {
    const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, dialect });
    const client = await TestClient.connect(port, { dialect });
    t.after(() => client.destroy());
    const image = client.codec.pack(purchase(1, { 35: '4111111111111111=3012101123456789', 42: 'MERCHANT0000001' }));
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: image.length - 1 }), fc.integer({ min: 0, max: 255 }), async (at, value) => {
        const changed = Buffer.from(image);
        changed[at] = value;
        client.write(encodeFrame(changed));
        // A valid request right behind it: its reply proves the connection still serves, and marks the end.
        const reply = await client.request(purchase(999999));
        if (reply.fields['11'] !== '999999') {
          assert.match(String(reply.fields['0']), /^\d\d[1357][024]$/, 'a response MTI (codec responseMti: odd function, origin 0, 2 or 4)');
          assert.ok(['00', '30'].includes(String(reply.fields['39'])), `response code ${String(reply.fields['39'])}`);
          assert.equal(reply.fields['35'], undefined);
          assert.equal((await client.reply()).fields['11'], '999999');
        }
      }),
      propertyRuns(150, 100),
    );
    assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_INTERNAL, undefined);
    assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FRAMING, undefined);
  });
}
