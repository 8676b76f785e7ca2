// A client that never reads its replies and never stops sending: its connection's close (idleTimeout) reads out what
// it sends, but only so far (unread-close.ts: 16 MiB, 1,000 busy turns, 10 s), then closes with bytes still coming: a
// reset, which throws away every reply the kernel still held, written or not. Those approvals never reached the
// client: each must be counted undelivered and handed to onLateResult (client-gone: reversed), none left counted as
// delivered. Before, only the replies of a write still under way were; the thousands the kernel had taken were counted
// delivered and lost in our own reset. The hand-over is kept for the newest KEPT_REVERSIBLE approvals of a connection
// only: an older one the reset loses is counted cut and reported ISO8583_WARN_INBOUND_NOT_REVERSED, never counted
// delivered. Real sockets on 127.0.0.1.
import { test } from 'node:test';
import type { TestContext } from 'node:test';
import type { Logger } from 'pino';
import assert from 'node:assert/strict';
import { eventWithin, within } from '@iso8583/test-support';
import type { DisconnectInfo, Sequence } from '../src/index.js';
import { KEPT_REVERSIBLE } from '../src/reply-notes.js';
import { NOT_REVERSED_WARNING } from '../src/reply-write.js';
import { TestClient, purchase } from './support/client.js';
import { captureLogs } from './support/logs.js';
import { approveAll, startEndpoint } from './support/endpoint.js';
import { rawConnect } from './support/gates.js';

/** The most bytes the client sends (it stops at the reset long before: the read-out is cut at 16 MiB at most). */
const FLOOD_CAP = 400 * 1024 * 1024;

/** What a flood until the endpoint's reset left: approvals made, handed to onLateResult, reported not reversed, counted delivered. */
interface FloodOutcome {
  readonly approved: number;
  readonly late: number;
  readonly notReversed: number;
  readonly delivered: number;
}

/** Floods an endpoint (approving each request, `logger` given) from a client that never reads, until its close resets it. */
async function floodUntilReset(t: TestContext, logger?: Logger): Promise<FloodOutcome> {
  let approved = 0;
  let late = 0;
  const sequence: Sequence = (m, c) => {
    approved++;
    return { ...(approveAll(m, c) as object), 48: 'X'.repeat(400) };
  };
  const { endpoint, port } = await startEndpoint(t, { idleTimeout: 500, maxFormatErrors: 0, sequence, onLateResult: () => void late++, ...(logger !== undefined ? { logger } : {}) });
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
  const stats = endpoint.stats();
  return { approved, late, notReversed: stats.errorsByCode[NOT_REVERSED] ?? 0, delivered: stats.byResponseCode['00'] ?? 0 };
}

const NOT_REVERSED = NOT_REVERSED_WARNING;

test('a client that floods and never reads: every approval the reset throws away is reported, none counted delivered', async (t) => {
  const { approved, late, notReversed, delivered } = await floodUntilReset(t);
  t.diagnostic(`approved ${approved}, handed to onLateResult ${late}, reported not reversed ${notReversed}, counted delivered ${delivered}`);
  assert.ok(approved > 0, 'requests were approved');
  // The client read nothing: every approval must be reported undelivered, reversed (client-gone) or reported not
  // reversed, none counted delivered.
  assert.equal(delivered, 0, `approvals counted delivered to a client that read none (${delivered} of ${approved}; ${late} reported)`);
  assert.equal(late + notReversed, approved, `every approval handed to onLateResult (${late}) or reported not reversed (${notReversed})`);
  assert.ok(late >= Math.min(approved, KEPT_REVERSIBLE), `the newest ${KEPT_REVERSIBLE} hand-overs kept (${late} of ${approved} handed over)`);
});

test(`a reset losing more than KEPT_REVERSIBLE (${KEPT_REVERSIBLE}) approvals: the ones whose hand-over was let go are counted and logged ${NOT_REVERSED}`, async (t) => {
  const logs = captureLogs('info');
  const { approved, late, notReversed, delivered } = await floodUntilReset(t, logs.logger);
  assert.equal(delivered, 0, 'none counted delivered');
  assert.ok(notReversed > 0, `more approvals lost than ${KEPT_REVERSIBLE} kept: the extra ones are reported (${approved} approved, ${late} handed over)`);
  assert.equal(late + notReversed, approved, 'every approval reversed or reported');
  const lines = logs.text().split('\n').filter((l) => l.includes(`"code":"${NOT_REVERSED}"`));
  assert.equal(lines.length, notReversed, 'one error line per approval not reversed');
  const first = JSON.parse(lines[0] as string) as Record<string, unknown>;
  assert.equal(first.level, 50, 'logged at error');
  assert.equal(first.responseCode, '00');
  assert.ok(first.stan !== undefined && first.terminal !== undefined, 'the line names the transaction (STAN, terminal)');
});
