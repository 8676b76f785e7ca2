// A refused connection names the host and port it tried (`cannot connect to 127.0.0.1:PORT (ECONNREFUSED)`): "cannot
// connect to the host" left a newcomer with a wrong port nothing to check, in a thrown error and in the gateway's HTTP
// answer alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Iso8583Error } from '@iso8583/codec';
import { createConnector } from '../src/index.js';
import { hostPort } from '../src/channel-connect.js';

/** A port of 127.0.0.1 nothing listens on (a listener's, closed). */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a refused connection names HOST:PORT in its message', async (t) => {
  const port = await closedPort();
  const connector = createConnector({ name: 'bank', host: '127.0.0.1', port });
  t.after(() => connector.destroy());
  const err = await connector.connect().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof Iso8583Error, String(err));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED');
  assert.equal(err.message, `cannot connect to 127.0.0.1:${port} (ECONNREFUSED)`);
  await connector.destroy();
});

test('an IPv6 host is written in brackets', () => {
  assert.equal(hostPort('::1', 5000), '[::1]:5000');
  assert.equal(hostPort('bank.example', 5000), 'bank.example:5000');
});
