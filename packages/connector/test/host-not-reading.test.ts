// A host that accepts the connection and never reads: what is written to it piles up in the socket's buffer. The
// connection is dropped (CONNECTION_LOST, its requests' outcomes unknown) once it holds more than MAX_UNSENT_BYTES
// unwritten, or once a request's frame is still unwritten when a full wait (UNREAD_WAIT_MS) ends. Real sockets: a TCP server whose
// sockets are paused (the kernel's buffers fill, then Node's).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { Iso8583Error } from '@iso8583/codec';
import type { IsoMessage } from '@iso8583/codec';
import { createConnector } from '../src/index.js';
import { MAX_UNSENT_BYTES, UNREAD_WAIT_MS } from '../src/channel.js';
import type { Connector } from '../src/index.js';
import { purchase } from './peer.js';

/** A purchase of about 13 KB on the wire (every LLLVAR field it can carry filled). */
function bulky(n: number): IsoMessage {
  const message = purchase(String(n % 1_000_000).padStart(6, '0'), 'TERM0001');
  for (const f of ['48', '60', '61', '62', '63', '120', '121', '122', '123', '124', '125', '126', '127']) message[f] = 'X'.repeat(999);
  return message;
}

/** A server that never reads, and a connector to it; both closed after the test. */
async function deafHost(t: { after(fn: () => Promise<void>): void }): Promise<{ connector: Connector; lost: () => Iso8583Error | undefined }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => {
    s.pause();
    s.on('error', () => undefined);
    sockets.push(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const connector = createConnector({ host: '127.0.0.1', port, requestTimeout: 60_000, maxInFlight: 10_000, echoInterval: 0, transactionLog: false });
  let first: Iso8583Error | undefined;
  connector.on('error', (e: Iso8583Error) => void (first ??= e));
  t.after(async () => {
    await connector.destroy();
    for (const s of sockets) s.destroy();
    await new Promise((resolve) => server.close(resolve));
  });
  await connector.connect();
  return { connector, lost: () => first };
}

test(`a host that never reads: the connection is dropped once over ${MAX_UNSENT_BYTES} bytes wait unwritten`, async (t) => {
  const { connector, lost } = await deafHost(t);
  const failures: Promise<unknown>[] = [];
  let sent = 0;
  // ~13 KB a request: the kernel's buffers (a few MB on loopback) then MAX_UNSENT_BYTES; at most 30 MB.
  while (lost() === undefined && sent < 2400) {
    for (let i = 0; i < 40; i++) failures.push(connector.request(bulky(++sent)).then(() => assert.fail('never answered'), (e: unknown) => e));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const err = lost();
  assert.ok(err !== undefined, `dropped before ${sent} requests (${sent * 13} KB)`);
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  assert.match(err.message, new RegExp(`does not read connection 1: over ${MAX_UNSENT_BYTES} bytes`));
  const first = (await failures[0]) as Iso8583Error;
  assert.equal(first.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST', 'the requests on it end as on a lost connection');
});

test('a host that never reads: a request still unwritten when its timeout ends drops the connection', async (t) => {
  const { connector, lost } = await deafHost(t);
  const fillers: Promise<unknown>[] = [];
  let sent = 0;
  // About 1 MB more each round, then a probe with a short timeout: once the kernel's buffers are full, the probe's
  // frame is still in the socket's buffer when it times out (long before MAX_UNSENT_BYTES wait there).
  for (let round = 0; round < 20 && lost() === undefined; round++) {
    for (let i = 0; i < 80; i++) fillers.push(connector.request(bulky(++sent)).then(() => assert.fail('never answered'), (e: unknown) => e));
    await assert.rejects(connector.request(bulky(++sent), { timeout: UNREAD_WAIT_MS }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  }
  const err = lost();
  assert.ok(err !== undefined, `dropped within ${sent} requests`);
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
  assert.match(err.message, /does not read connection 1: a request still unwritten after its 1000 ms timeout/);
  assert.equal(((await fillers[0]) as Iso8583Error).code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
});

test('a request with a few ms left whose frame is still unwritten at its timeout does not drop the connection', async (t) => {
  const { connector, lost } = await deafHost(t);
  const fillers: Promise<unknown>[] = [];
  let sent = 0;
  // About 1 MB more each round, then two probes in one tick: one with a full wait (UNREAD_WAIT_MS), and behind it one
  // with 20 ms (what a deadline leaves). Bytes leave in order and the host reads none, so in the round whose full probe
  // is still unwritten at its end, the short probe (behind it, its end earlier) was unwritten at its own: both halves
  // run in that round, whatever the kernel's buffers hold. Every earlier round's bytes reached the kernel (its full
  // probe was written), so the socket's own buffer then holds one round's (~1 MB), never MAX_UNSENT_BYTES.
  for (let round = 0; round < 20 && lost() === undefined; round++) {
    for (let i = 0; i < 80; i++) fillers.push(connector.request(bulky(++sent)).then(() => assert.fail('never answered'), (e: unknown) => e));
    const full = connector.request(bulky(++sent), { timeout: UNREAD_WAIT_MS }).then(() => assert.fail('never answered'), (e: unknown) => e);
    const short = await connector.request(bulky(++sent), { timeout: 20 }).then(() => assert.fail('never answered'), (e: unknown) => e);
    assert.equal((short as Iso8583Error).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
    assert.equal(lost(), undefined, `the short probe's timeout dropped the connection: ${String(lost()?.message)}`);
    assert.equal(((await full) as Iso8583Error).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  }
  assert.ok(lost() !== undefined, `not dropped within ${sent} requests`);
  assert.match(String(lost()?.message), /does not read connection 1: a request still unwritten after its 1000 ms timeout/);
  assert.equal(((await fillers[0]) as Iso8583Error).code, 'ISO8583_ERR_CONNECTOR_CONNECTION_LOST');
});
