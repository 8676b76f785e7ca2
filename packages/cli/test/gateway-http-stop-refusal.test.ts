// A request that reaches the routes while the HTTP port closes (here one pipelined behind 32 purchases at the bank,
// held back by the pipelining bound until they are answered) is refused 503 with a code, in the port's refusal shape,
// and the 32 answers before it are delivered. Before, Fastify's own 503 answered it with no ISO8583_ERR_ code.
// The real gateway binary, a real bank endpoint, a raw client socket on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createInboundEndpoint } from '@iso8583/inbound';
import { waitUntil, within } from '@iso8583/test-support';
import { MAX_PIPELINED } from '../src/http/pipeline-cap.js';
import { startGateway } from './helpers/gateway-process.js';

const PAN = '4111111111111111';

function request(port: number, n: number): string {
  const body = JSON.stringify({ '0': '0200', '2': PAN, '3': '000000', '4': '000000001000', '7': '1207030000', '11': String(n).padStart(6, '0'), '41': 'TERM0001', '49': '840' });
  return `POST / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Whether a new connection to `port` is refused (the port has stopped listening: its app is closing). */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

test('gateway HTTP – a request reaching the routes while the port closes is refused 503 coded; the answers before it are delivered', async (t) => {
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
  let flood = '';
  for (let n = 1; n <= MAX_PIPELINED + 1; n++) flood += request(http, n);
  socket.write(flood);
  await waitUntil(() => atBank >= 1, { what: 'the purchases to reach the bank' });
  const stopped = ports.stop();
  await waitUntil(() => refused(http), { what: 'the HTTP port to close' });
  release();
  await within(closed, 30_000, 'the connection to close');
  const stderr = await within(stopped, 30_000, 'the gateway to stop');
  const statuses = [...got.matchAll(/HTTP\/1\.1 (\d+)/g)].map((m) => m[1]);
  assert.equal(statuses.length, MAX_PIPELINED + 1, `every request answered: ${statuses.join(',')}`);
  assert.equal(statuses.at(-1), '503', 'the one handed on while closing is refused');
  assert.deepEqual(new Set(statuses.slice(0, -1)), new Set(['200']), 'the purchases at the bank are delivered');
  const last = got.slice(got.lastIndexOf('HTTP/1.1 '));
  assert.match(last, /ISO8583_ERR_CONNECTOR_CLOSED/, 'the refusal is coded');
  assert.deepEqual(stderr.split('\n').filter((line) => /could not be delivered/.test(line)), [], 'no approval taken for undelivered');
  assert.doesNotMatch(stderr, new RegExp(PAN), 'no PAN in the log');
});
