// Framing options each within its own bounds but not together (a `maxFrameSize` that leaves no room for a message after
// `headerBytes`) are an options error when the connector is made, naming `maxFrameSize`. They used to pass, `start()`
// resolved, and the first connection's framing threw in the socket's connect handler: an uncaught exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Iso8583Error } from '@iso8583/codec';
import { createConnector } from '../src/index.js';

test('framing options – maxFrameSize not above headerBytes is refused by createConnector, naming maxFrameSize', () => {
  for (const [headerBytes, maxFrameSize] of [[32, 32], [20, 19]] as const) {
    const what = `headerBytes ${headerBytes}, maxFrameSize ${maxFrameSize}`;
    assert.throws(() => createConnector({ host: '127.0.0.1', port: 9, headerBytes, maxFrameSize }), (err: Iso8583Error) => {
      assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_OPTIONS', what);
      assert.deepEqual((err.problems ?? []).map((p) => p.field), ['maxFrameSize'], what);
      assert.match(err.message, /maxFrameSize/, what);
      assert.match(err.message, /headerBytes/, what);
      return true;
    });
  }
  // One byte of room is enough (made, never started: nothing opens).
  assert.doesNotThrow(() => createConnector({ host: '127.0.0.1', port: 9, headerBytes: 16, maxFrameSize: 17 }));
});
