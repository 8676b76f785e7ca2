// A client that never reads its replies and never stops sending: its connection's close (idleTimeout) reads out what
// it sends, but only so far (unread-close.ts: 16 MiB, 1,000 busy turns, 10 s), then closes with bytes still coming: a
// reset, which throws away every reply the kernel still held, written or not. Those approvals never reached the
// client: each must be counted undelivered and handed to onLateResult (client-gone: reversed), none left counted as
// delivered. Before, only the replies of a write still under way were; the thousands the kernel had taken were counted
// delivered and lost in our own reset. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, within } from '@iso8583/test-support';
import type { DisconnectInfo, Sequence } from '../src/index.js';
import { TestClient, purchase } from './support/client.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { rawConnect } from './support/gates.js';

/** The most bytes the client sends (it stops at the reset long before: the read-out is cut at 16 MiB at most). */
const FLOOD_CAP = 400 * 1024 * 1024;

test('a client that floods and never reads: every approval the reset throws away is reported, none counted delivered', async (t) => {
  let approved = 0;
  let late = 0;
  const sequence: Sequence = (m, c) => {
    approved++;
    return { ...(approveAll(m, c) as object), 48: 'X'.repeat(400) };
  };
  const { endpoint, port } = await startEndpoint(t, { idleTimeout: 500, maxFormatErrors: 0, sequence, onLateResult: () => void late++ });
  const socket = await rawConnect(port);
  t.after(() => socket.destroy());
  socket.pause(); // never reads a reply
  const closed = eventWithin<DisconnectInfo>(60_000, 'the flooding client was not closed', (resolve) => {
    endpoint.on('disconnect', (info) => {
      if (info.remotePort === socket.localPort) resolve(info);
    });
  });
  const helper = await TestClient.connect(port);
  const frame = helper.frame(purchase(1));
  helper.destroy();
  const burst = Buffer.concat(Array.from({ length: 64 }, () => frame));
  // Sends honouring drain until the connection breaks (the reset) or the cap.
  const flood = (async () => {
    let sent = 0;
    while (sent < FLOOD_CAP && !socket.destroyed && socket.writable) {
      sent += burst.length;
      if (!socket.write(burst)) {
        const drained = await new Promise<boolean>((resolve) => {
          const onDrain = (): void => {
            socket.off('close', onClose);
            resolve(true);
          };
          const onClose = (): void => {
            socket.off('drain', onDrain);
            resolve(false);
          };
          socket.once('drain', onDrain);
          socket.once('close', onClose);
        });
        if (!drained) break;
      }
    }
    return sent;
  })();
  await closed;
  socket.destroy();
  await within(flood, 20_000, 'the flood did not stop');
  // Every outcome settles by the endpoint's close (replies cut by the destroy are reported from the socket's close).
  await within(endpoint.close({ deadline: 2000 }), 20_000, 'close did not settle');
  const delivered = endpoint.stats().byResponseCode['00'] ?? 0;
  assert.ok(approved > 0, 'requests were approved');
  // The client read nothing: every approval must be reported undelivered (client-gone), none counted delivered.
  assert.equal(delivered, 0, `approvals counted delivered to a client that read none (${delivered} of ${approved}; ${late} reported)`);
  assert.equal(late, approved, 'every approval handed to onLateResult');
});
