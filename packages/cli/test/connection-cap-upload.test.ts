/**
 * The HTTP connection cap (src/http/connection-cap.ts) on a real Node HTTP server and real sockets: a client uploading
 * its body steadily keeps its connection at the cap while connections that say nothing come and go. A connection
 * just accepted that had sent nothing was closed for a new one only after every request still arriving: a client
 * opening a silent connection more often than the grace (1 s) dropped every body being uploaded, and an honest POS on
 * a slow link lost its payment (503) to silent sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { midRequest, rawHttp, readUntil, waitUntil, within } from '@iso8583/test-support';
import type { RawHttp } from '@iso8583/test-support';
import { capConnections } from '../src/http/connection-cap.js';

const DEADLINE = 10_000;
/** The uploader's body: a part of {@link PART} bytes before each of {@link ROUNDS} silent connections, and the last part. */
const PART = 10;
const ROUNDS = 5;

test('a body uploaded steadily keeps its connection at the cap while silent connections come and go', async () => {
  let received = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (received += chunk.length));
    req.once('end', () => res.end('ok'));
  });
  const cap = capConnections(server, 2, {}, 2);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const silent: RawHttp[] = [];
  const uploader = await midRequest(port, PART * (ROUNDS + 1));
  /** Sends the next part of the body and resolves once the server has read it. */
  const sendPart = async (): Promise<void> => {
    const want = received + PART;
    uploader.socket.write('x'.repeat(PART));
    await waitUntil(() => received >= want, { timeoutMs: DEADLINE, what: 'the server to read the part of the body' });
  };
  /** Opens a connection that says nothing and resolves once the server has accepted it. */
  const openSilent = async (): Promise<RawHttp> => {
    const accepted = once(server, 'connection');
    const conn = rawHttp(port);
    silent.push(conn);
    await within(accepted, DEADLINE, 'the silent connection was not accepted');
    return conn;
  };
  try {
    await sendPart();
    let previous = await openSilent();
    for (let round = 1; round < ROUNDS; round++) {
      await sendPart();
      // At the cap: the silent one gives way, not the upload that was heard from since it came.
      await openSilent();
      await within(Promise.race([previous.closed, uploader.closed.then(() => assert.fail(`the uploader was cut for a silent connection: ${JSON.stringify(uploader.text())}`))]), DEADLINE, 'no connection was closed for the new one');
      previous = silent.at(-1)!;
    }
    await sendPart();
    await within(readUntil(uploader, /HTTP\/1\.1 200 [\s\S]*ok/), DEADLINE, 'the upload was not answered');
    assert.equal(cap.evicted, ROUNDS - 1);
    assert.equal(cap.refused, 0);
  } finally {
    for (const c of [uploader, ...silent]) c.socket.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
