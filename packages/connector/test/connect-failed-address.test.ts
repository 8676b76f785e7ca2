// A refused connection: the error keeps "cannot connect to the host (ECONNREFUSED)", never the address (the gateway
// returns that text in its HTTP 502 bodies, and an HTTP client is not to learn the bank's internal address); the
// connector's `connection failed` log line names the host and port it tried, for the operator.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Iso8583Error } from '@iso8583/codec';
import { createConnector, hostPort } from '../src/index.js';
import { capturedLogger } from './helpers/setup.js';
import { closedPort } from './helpers/closed-port.js';

test('a refused connection: the error text has no address; the log line has host and port', async (t) => {
  const port = await closedPort();
  const { lines, logger } = capturedLogger('info');
  const connector = createConnector({ name: 'bank', host: '127.0.0.1', port, logger });
  t.after(() => connector.destroy());
  const err = await connector.connect().then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof Iso8583Error, String(err));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECT_FAILED');
  assert.equal(err.message, 'cannot connect to the host (ECONNREFUSED)');
  assert.doesNotMatch(JSON.stringify(err.toJSON()), new RegExp(`127\\.0\\.0\\.1|${port}`), 'no address in the coded error');
  const line = lines.find((l) => l.msg === 'connection failed');
  assert.ok(line, JSON.stringify(lines));
  assert.equal(line.host, '127.0.0.1');
  assert.equal(line.port, port);
  assert.equal(line.reason, 'cannot connect to the host (ECONNREFUSED)');
  await connector.destroy();
});

test('hostPort: an IPv6 host is written in brackets', () => {
  assert.equal(hostPort('::1', 5000), '[::1]:5000');
  assert.equal(hostPort('bank.example', 5000), 'bank.example:5000');
  assert.equal(hostPort('fe80::1%eth0', '7'), '[fe80::1%eth0]:7');
});
