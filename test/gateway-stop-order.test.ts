/**
 * The order of a graceful stop with several upstreams: an HTTP client whose answer is still owed keeps every upstream's
 * link open. An answer the client never gets is reversed at the upstream that approved it, stored during the stop, so
 * no upstream may close (its SAF queue stopped, its link gone) before the HTTP server has closed, every response
 * written or its connection gone. Before this order, the upstreams after the first closed as soon as the POS side and
 * the SAF queues were done, with HTTP responses still in flight.
 *
 * What the test reads is the order in which the gateway's ends reach it: the end of the HTTP answer (its FIN, after the
 * 408) before the end of either link. Each is read as it arrives, in arrival order (one poll reads both in that order
 * when the test was held up), so the check holds under any scheduling. The order of the `close` events is not the
 * gateway's to keep: the client's close is its own step after that end, and a client slow to take it (a test process
 * starved for `LINGER_MS`, 2 s) is cut by the gateway, which then goes on and closes the links; a test process that
 * wakes to all of it at once closes its sockets in any order (libuv runs one loop turn's close callbacks last first).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { midRequest, within } from '@iso8583/test-support';
import { exitWithin, startGateway, stopAll } from './helpers/cli.js';

/** A host that takes connections and answers nothing: what matters here is when the gateway closes its link. */
interface SilentHost {
  server: Server;
  sockets: Set<Socket>;
  port: number;
  /** Settles when the end of the first connection the gateway opened has reached the host (its FIN, or its close). */
  linkEnded: Promise<void>;
  /** Settles when the first connection the gateway opened has closed. */
  linkClosed: Promise<void>;
  /** Settles when the gateway has opened a connection. */
  linked: Promise<void>;
}

async function silentHost(): Promise<SilentHost> {
  const sockets = new Set<Socket>();
  let onLink: (socket: Socket) => void = () => undefined;
  const first = new Promise<Socket>((resolve) => {
    onLink = resolve;
  });
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.resume();
    onLink(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    server,
    sockets,
    port,
    linked: first.then(() => undefined),
    linkEnded: first.then(ended),
    linkClosed: first.then((s) => (s.closed ? undefined : once(s, 'close').then(() => undefined))),
  };
}

/** Settles when the peer's end of `socket` has been read (its FIN; or its close, for a connection cut without one). */
function ended(socket: Socket): Promise<void> {
  if (socket.readableEnded || socket.closed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
  });
}

const hosts: SilentHost[] = [];

after(async () => {
  await stopAll();
  for (const h of hosts) for (const s of h.sockets) s.destroy();
  await Promise.all(hosts.map((h) => new Promise<void>((resolve) => h.server.close(() => resolve()))));
});

describe('gateway – the order of a graceful stop with several upstreams', () => {
  test('no upstream link closes before the HTTP server has closed (an HTTP answer still owed can need its reversal); a stalled request still gets its 408 during the stop', async () => {
    const first = await silentHost();
    const second = await silentHost();
    hosts.push(first, second);
    const gw = await startGateway([
      '--upstream', `first=127.0.0.1:${first.port}`,
      '--upstream', `second=127.0.0.1:${second.port}`,
      '--request-timeout', '2000',
      '--log-level', 'warn',
    ]);
    await within(Promise.all([first.linked, second.linked]), 20_000, 'the gateway to link to both upstreams');

    // An HTTP request the server has read the head of (it answered 100 Continue) and whose body never comes: the
    // server cannot close until its request deadline answers it 408.
    const client = await within(midRequest(gw.http.port, 100, gw.http.host), 10_000, 'the gateway to read the request head');
    client.socket.write('{"0":"0200"');

    const order: string[] = [];
    const httpDone = ended(client.socket).then(() => order.push('http answer ended'));
    const secondDone = second.linkEnded.then(() => order.push('second upstream ended'));
    const firstDone = first.linkEnded.then(() => order.push('first upstream ended'));
    gw.process.kill('SIGTERM');
    await gw.process.waitForLine(/SIGTERM: stopping/);
    assert.equal((await exitWithin(gw.process, 30_000, 'the gateway to stop')).code, 0);
    await within(Promise.all([httpDone, secondDone, firstDone]), 10_000, 'every connection to end');
    await within(Promise.all([client.closed, second.linkClosed, first.linkClosed]), 10_000, 'every connection to close');
    assert.match(client.text(), /HTTP\/1\.1 408/, 'the stalled request was answered by its deadline');
    assert.equal(order[0], 'http answer ended', `the HTTP answer ended before either link: ${order.join(', ')}`);
  });
});
