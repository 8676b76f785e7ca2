// `iso8583 send` of a financial request whose outcome is unknown (timeout, connection lost): send reverses nothing,
// and its error says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { runCli, startCli } from './cli-process.js';
import { ECHO, PURCHASE } from './messages.js';

test('send of a 0200 that times out says its outcome is unknown and that no reversal was sent; an 0800 does not', async (t) => {
  const host = await startCli(['simulate-host', '--port', '0', '--delay', '1500']);
  t.after(() => host.stop());
  const r = await runCli(['send', '--port', String(host.port), '--timeout', '200'], JSON.stringify(PURCHASE));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_TIMEOUT: .*; the outcome of the 0200 at the host is unknown and no reversal was sent \(send does not reverse/);
  assert.ok(!r.stderr.includes('4111111111111111'));
  const echo = await runCli(['send', '--port', String(host.port), '--timeout', '200'], JSON.stringify(ECHO));
  assert.doesNotMatch(echo.stderr, /reversal/);
});

test('send of a 0200 whose connection is lost says its outcome is unknown and that no reversal was sent', async (t) => {
  const server = net.createServer((socket) => socket.once('data', () => socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const port = (server.address() as net.AddressInfo).port;
  const r = await runCli(['send', '--port', String(port), '--timeout', '5000'], JSON.stringify(PURCHASE));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^iso8583: ISO8583_ERR_CONNECTOR_CONNECTION_LOST: .*the outcome of the 0200 at the host is unknown and no reversal was sent/);
});
