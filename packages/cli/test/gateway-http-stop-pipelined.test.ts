// Two purchases pipelined on one HTTP connection, both at the bank when a graceful stop begins: the stop delivers
// both answers, and only the last closes the connection. Before, every answer during a stop said `Connection: close`:
// Node closed the connection after the first, and the second approval was reversed while its client was connected and
// waiting. The real gateway binary, a real bank endpoint, a raw client socket on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createInboundEndpoint } from '@iso8583/inbound';
import { waitUntil, within } from '@iso8583/test-support';
import { startGateway } from './helpers/gateway-process.js';

const PAN = '4111111111111111';

function request(port: number, stan: string, terminal: string): string {
  const body = JSON.stringify({ '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '7': '1207030000', '11': stan, '41': terminal, '49': '840' });
  return `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

test('gateway HTTP – a graceful stop delivers the answers of requests pipelined on one connection', async (t) => {
  let atBank = 0;
  let release: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (release = resolve));
  t.after(() => release());
  const endpoint = createInboundEndpoint({
    port: 0, host: '127.0.0.1', dialect: 'iso87ascii',
    sequence: async (m) => {
      atBank++;
      await held;
      return { ...m.fields, '0': '0210', '38': 'A00001', '39': '00' };
    },
  });
  const { port } = await endpoint.start();
  t.after(() => endpoint.destroy());
  const ports = await startGateway(t, ['--upstream', `127.0.0.1:${port}`, '--listen', '0', '--bind', '127.0.0.1', '--http', '0',
    '--no-transaction-log', '--shutdown-deadline', '20000', '--log-level', 'info']);
  const http = ports.http!;

  const socket = connect(http, '127.0.0.1');
  socket.on('error', () => undefined);
  t.after(() => socket.destroy());
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  const closed = new Promise((resolve) => socket.once('close', resolve));
  socket.write(request(http, '000101', 'TERM0001') + request(http, '000102', 'TERM0002'));
  await waitUntil(() => atBank === 2, { what: 'both purchases to be at the bank' });
  const stopped = ports.stop();
  await waitUntil(() => /gateway stopping/.test(ports.stderr()), { what: 'the stop to begin' });
  release();
  await within(closed, 30_000, 'the connection to close');
  const stderr = await within(stopped, 30_000, 'the gateway to stop');
  const statuses = [...got.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '200'], 'both answers delivered on the connection');
  const closing = [...got.matchAll(/\r\nconnection: (\S+)/gi)].map((m) => m[1]?.toLowerCase());
  assert.deepEqual(closing, ['keep-alive', 'close'], 'only the last answer closes the connection');
  assert.deepEqual(stderr.split('\n').filter((line) => /could not be delivered/.test(line)), [], 'no approval taken for undelivered');
  assert.doesNotMatch(stderr, new RegExp(PAN), 'no PAN in the log');
});
