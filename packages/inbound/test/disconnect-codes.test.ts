// The `disconnect` event's `code` is what docs/inbound.md and DisconnectInfo say: `_SOCKET` for a client's reset (RST),
// `_FORMAT_ERRORS` for a connection closed for frames that do not decode, none for a client that closed its side
// (FIN). Real endpoint, real sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { within } from '@iso8583/test-support';
import type { DisconnectInfo } from '../src/index.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { rawConnect } from './support/gates.js';

/** The next `disconnect` of `endpoint`. */
function nextDisconnect(endpoint: { once(event: 'disconnect', listener: (info: DisconnectInfo) => void): unknown }): Promise<DisconnectInfo> {
  return new Promise((resolve) => endpoint.once('disconnect', resolve));
}

test('disconnect codes – a reset gives _SOCKET, a FIN none, frames that do not decode _FORMAT_ERRORS', async (t) => {
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, maxFormatErrors: 2 });
  const connected = (): Promise<unknown> => new Promise((resolve) => endpoint.once('connection', resolve));

  let opened = connected();
  const reset = await rawConnect(port);
  await within(opened, 5_000, 'the first connection is open');
  let closed = nextDisconnect(endpoint);
  reset.resetAndDestroy();
  assert.equal((await within(closed, 5_000, 'no disconnect after a reset')).code, 'ISO8583_ERR_INBOUND_SOCKET');

  opened = connected();
  const fin = await rawConnect(port);
  await within(opened, 5_000, 'the second connection is open');
  closed = nextDisconnect(endpoint);
  fin.end();
  assert.equal((await within(closed, 5_000, 'no disconnect after a FIN')).code, undefined);

  opened = connected();
  const garbage = await rawConnect(port);
  await within(opened, 5_000, 'the third connection is open');
  closed = nextDisconnect(endpoint);
  const frame = Buffer.concat([Buffer.from([0x00, 0x04]), Buffer.from('zzzz')]);
  garbage.write(Buffer.concat([frame, frame]));
  assert.equal((await within(closed, 5_000, 'no disconnect after two frames that do not decode')).code, 'ISO8583_ERR_INBOUND_FORMAT_ERRORS');
});
