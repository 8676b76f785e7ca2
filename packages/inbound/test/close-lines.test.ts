// A client can make the endpoint close one connection per connection it opens (garbage on a TLS port, a broken length
// header): the line of each closure is written at most 20 times a second for each code, every one is counted, and a
// terminal is served meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeCertificates, waitUntil, within } from '@iso8583/test-support';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { closedBy, rawConnect } from './support/gates.js';
import { captureLogs } from './support/logs.js';

const certs = makeCertificates();
test.after(() => certs.cleanup());

/** Connections opened by the flood: 6 rounds of 50, each round closed by the endpoint before the next. */
const ROUNDS = 6;
const PER_ROUND = 50;
const FLOOD = ROUNDS * PER_ROUND;

/** Sends `bytes` on `FLOOD` connections, 50 at a time, each round closed by the endpoint; returns the seconds it took. */
async function flood(port: number, bytes: Buffer): Promise<number> {
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const sockets = await Promise.all(Array.from({ length: PER_ROUND }, () => rawConnect(port)));
    for (const socket of sockets) socket.write(bytes);
    await within(Promise.all(sockets.map(closedBy)), 20_000, 'the endpoint closes every connection of the flood');
  }
  return Math.ceil((performance.now() - started) / 1000);
}

/** The lines of `code`, and how many they say were left out. */
function linesOf(text: string, code: string): { lines: number; suppressed: number } {
  const lines = text.split('\n').filter((l) => l.includes(code));
  const suppressed = lines.reduce((sum, l) => sum + ((JSON.parse(l) as { suppressed?: number }).suppressed ?? 0), 0);
  return { lines: lines.length, suppressed };
}

test('close lines – 300 failed TLS handshakes write at most 20 lines a second; every one is counted; a TLS terminal is served', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, {
    sequence: approveAll,
    logger: logs.logger,
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  const seconds = await flood(port, Buffer.from('\u0000\u00400200 this is no TLS record'));
  await waitUntil(() => endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_TLS === FLOOD, { what: `${FLOOD} ISO8583_ERR_INBOUND_TLS counted` });
  const { lines, suppressed } = linesOf(logs.text(), 'ISO8583_ERR_INBOUND_TLS');
  assert.ok(lines >= 1, 'the first failed handshake is logged');
  assert.ok(lines <= 20 * (seconds + 1), `${lines} lines in ${seconds} s`);
  assert.ok(lines + suppressed <= FLOOD);
  const client = await TestClient.connect(port, { tls: { ca: certs.ca, servername: 'localhost' } });
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1))).fields['39'], '00');
});

test('close lines – 300 connections with a length header over maxFrameSize write at most 20 lines a second; every one is counted', async (t) => {
  const logs = captureLogs('info');
  const { port, endpoint } = await startEndpoint(t, { sequence: approveAll, logger: logs.logger, maxFrameSize: 1000 });
  const seconds = await flood(port, Buffer.from([0xff, 0xff]));
  assert.equal(endpoint.stats().errorsByCode.ISO8583_ERR_INBOUND_FRAMING, FLOOD);
  const { lines, suppressed } = linesOf(logs.text(), 'ISO8583_ERR_INBOUND_FRAMING');
  assert.ok(lines >= 1, 'the first broken frame is logged');
  assert.ok(lines <= 20 * (seconds + 1), `${lines} lines in ${seconds} s`);
  assert.ok(lines + suppressed <= FLOOD);
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(2))).fields['39'], '00');
});

test('close lines – 300 connections that end their side in the middle of a frame write at most 20 partial-frame lines a second', async (t) => {
  const logs = captureLogs('info');
  const { port } = await startEndpoint(t, { sequence: approveAll, logger: logs.logger });
  const half = Buffer.from([0x00, 0x40, 0x30, 0x32]); // binary2: 64 bytes announced, 2 sent, then FIN
  const started = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    const sockets = await Promise.all(Array.from({ length: PER_ROUND }, () => rawConnect(port)));
    for (const socket of sockets) socket.end(half);
    await within(Promise.all(sockets.map(closedBy)), 20_000, 'the endpoint ends every connection of the flood');
  }
  const seconds = Math.ceil((performance.now() - started) / 1000);
  const partial = logs.text().split('\n').filter((l) => l.includes('in the middle of a frame'));
  const suppressed = partial.reduce((sum, l) => sum + ((JSON.parse(l) as { suppressed?: number }).suppressed ?? 0), 0);
  assert.ok(partial.length >= 1, 'the first partial frame is logged');
  assert.ok(partial.length <= 20 * (seconds + 1), `${partial.length} lines in ${seconds} s`);
  assert.ok(partial.length + suppressed <= FLOOD);
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(3))).fields['39'], '00');
});
