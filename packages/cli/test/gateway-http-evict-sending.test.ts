// As gateway-http-evict-unread, but the evicted client keeps sending (200 bytes every 50 ms, a batch writer) and reads
// nothing past the linger's bound (2 s): the linger's destroy then meets the client's bytes, the system resets the
// connection and throws away every answer handed to it and not yet read. Those answers were counted delivered once
// written whole (3418 approved, 0 read, 32 reversed): each must now be read or reversed.
// The real gateway binary, a real bank endpoint, raw client sockets on 127.0.0.1.
import { test } from 'node:test';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { waitUntil } from '@iso8583/test-support';
import { unreadFlood } from './helpers/unread-flood.js';

/** Sends one `GET /stats` on a new connection: true once answered 200 (the cap made room), false when refused or cut. */
async function answeredAtCap(port: number): Promise<boolean> {
  const b: Socket = connect(port, '127.0.0.1');
  b.on('error', () => undefined);
  let got = '';
  b.on('data', (d: Buffer) => (got += d.toString('latin1')));
  b.write(`GET /stats HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
  await new Promise((resolve) => b.once('close', resolve));
  return got.startsWith('HTTP/1.1 200');
}

test('gateway HTTP – a client evicted at the cap that keeps sending, reading nothing, gets its answers or they are reversed', { timeout: 120_000 }, async (t) => {
  await unreadFlood(t, 'iso8583-evict-sending-', ['--http-max-connections', '1'], (ports, approved) =>
    // Refused while a purchase of the flooding client is at the bank; answered once every answer of it is made and
    // waits for it to read it.
    waitUntil(async () => (approved() > 0 ? answeredAtCap(ports.http!) : false), { what: 'a new client to evict the one that reads nothing', timeoutMs: 60_000, intervalMs: 100 }),
  true);
});
