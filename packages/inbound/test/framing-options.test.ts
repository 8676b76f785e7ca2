// Framing options each within its own bounds but not together (a `maxFrameSize` that leaves no room for a message after
// `headerBytes`) are an options error at creation, naming `maxFrameSize`. They used to pass the check, the endpoint
// listened, and the first connection's framing threw in the listener: an uncaught exception, the process down.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Iso8583Error } from '@iso8583/codec';
import { within } from '@iso8583/test-support';
import { createInboundEndpoint, validateInboundOptions } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';

test('framing options – maxFrameSize not above headerBytes is refused at creation, naming maxFrameSize', () => {
  for (const [headerBytes, maxFrameSize] of [[32, 32], [64, 16], [20, 19]] as const) {
    const what = `headerBytes ${headerBytes}, maxFrameSize ${maxFrameSize}`;
    for (const make of [() => createInboundEndpoint({ port: 0, headerBytes, maxFrameSize, sequence: approveAll }), () => validateInboundOptions({ port: 0, headerBytes, maxFrameSize, sequence: approveAll })]) {
      assert.throws(make, (err: Iso8583Error) => {
        assert.equal(err.code, 'ISO8583_ERR_INBOUND_OPTIONS', what);
        assert.deepEqual((err.problems ?? []).map((p) => p.field), ['maxFrameSize'], what);
        assert.match(err.message, /maxFrameSize/, what);
        assert.match(err.message, /headerBytes/, what);
        return true;
      });
    }
  }
});

test('framing options – one byte of room is enough: the endpoint answers over that framing', async (t) => {
  const header = Buffer.from('0123456789');
  const { port } = await startEndpoint(t, { sequence: approveAll, headerBytes: header.length, maxFrameSize: 4096 });
  const client = await TestClient.connect(port, { framing: { headerBytes: header.length } });
  t.after(() => client.destroy());
  assert.equal((await within(client.request(purchase(1), header), 5_000, 'no reply')).fields['39'], '00');
  assert.doesNotThrow(() => validateInboundOptions({ port: 0, headerBytes: 16, maxFrameSize: 17, sequence: approveAll }));
});
