// A length header announcing a large frame holds little memory the client has not sent: the listener's frame buffer
// takes at most 4 KB ahead of the bytes that came, then doubles with them, up to the announced length, instead of
// being taken whole at the second read. A
// client that announced 60000 bytes on each of hundreds of connections and trickled a few held 64 KB per connection
// for the read timeout (30 s by default): maxConnections (10000 by default) times that is 640 MB.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { rawConnect } from './support/gates.js';
import { watchListenerReads } from './support/listener-reads.js';

/** Connections that each announce {@link ANNOUNCED} bytes and send {@link SENT} of them in two pieces. */
const CONNECTIONS = 200;
const ANNOUNCED = 60_000;
const SENT = 64;

test('inbound – hundreds of frames announced at 60000 bytes and trickled hold memory for what came, not for what was announced', async (t) => {
  const { port } = await startEndpoint(t, { sequence: approveAll, readTimeout: 0, firstMessageTimeout: 0 });
  const reads = watchListenerReads(t, port);
  const sockets: Socket[] = [];
  t.after(() => {
    for (const s of sockets) s.destroy();
  });
  for (let i = 0; i < CONNECTIONS; i++) sockets.push(await rawConnect(port));
  const header = Buffer.alloc(2);
  header.writeUInt16BE(ANNOUNCED);
  const before = process.memoryUsage().arrayBuffers;
  // Two reads each: the header with half the bytes, then the other half (the second read is where the room was taken).
  for (const s of sockets) s.write(Buffer.concat([header, Buffer.alloc(SENT / 2, 0x30)]));
  await Promise.all(sockets.map((s) => reads(s).reached(2 + SENT / 2, 'the header and the first piece')));
  for (const s of sockets) s.write(Buffer.alloc(SENT / 2, 0x30));
  await Promise.all(sockets.map((s) => reads(s).reached(2 + SENT, 'the second piece')));
  const grown = process.memoryUsage().arrayBuffers - before;
  // What came is 66 bytes a connection (4 KB reserved ahead of them); a buffer of the announced length is 60000. A
  // quarter of that is the line.
  assert.ok(grown < (CONNECTIONS * ANNOUNCED) / 4, `${CONNECTIONS} connections with ${SENT} bytes each of a ${ANNOUNCED}-byte frame hold ${grown} bytes of buffers`);
  // The listener still serves a terminal.
  const client = await TestClient.connect(port);
  t.after(() => client.destroy());
  assert.equal((await client.request(purchase(1))).fields['39'], '00');
});
