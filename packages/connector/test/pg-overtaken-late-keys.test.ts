// reversal-overtaken-late-keys.test.ts on a shared journal (PostgreSQL): there a reversal answered `25` is kept in its
// row, not in this node's memory (reversal-follow.ts), so the 25's memory cannot say that an approval past the
// connection's late keys (more than 1024 other timeouts) is a late one. Every unsolicited approval of a reversible
// request goes to the reversals' late path all the same: the shared journal's look-up finds the 25 and the original
// is reversed again, once. Real server and sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, sharedPostgres, within } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { sql } from './helpers/pg-owner-lock.js';
import { answeredLines, watchReversals } from './helpers/reversals.js';

/** More timed-out requests than a connection's late keys hold (1024). */
const OTHERS = 1100;

test('pg: a late approval after more than 1024 other timeouts on its connection is still reversed again when its reversal was answered 25', async (t) => {
  const cluster = await sharedPostgres();
  const url = cluster.createDatabase('overtaken_late_keys');
  const journal = new PgJournal({ url, lease: 30_000, owner: 'node-a' });
  let held: Received | undefined;
  const { peer, connector } = await peerAndConnector(
    t,
    (r, p) => {
      const mti = r.message['0'];
      if (mti === '0200') held = r; // approved only after its reversal overtook it
      else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
      else if (mti === '0401') p.send(r.socket, answer(r.message));
      // 0600s: never answered, they time out
    },
    { requestTimeout: 5_000, maxInFlight: OTHERS + 10, pool: { min: 1, max: 1 }, transactionLog: false, reversal: { enabled: true, journal, retryInterval: 60_000 } },
  );
  t.after(() => cluster.destroy()); // after the connector's destroy (hooks run in the order added)
  await connector.connect();
  const reversals = watchReversals(connector);
  const firstAnswered = within(reversals.reached, 15_000, 'the reversal was not answered within 15 s');
  const err = await failure(connector.request(purchase('073001'), { timeout: 500 }));
  assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await firstAnswered;
  // Other requests time out on the same connection: the first purchase's late key is pushed out.
  const others = Array.from({ length: OTHERS }, (_, i) =>
    failure(connector.request({ '0': '0600', '7': '1121103000', '11': String(200_000 + i), '41': 'TERM0002' }, { timeout: 300 })),
  );
  const codes = new Set((await Promise.all(others)).map((e) => e.code));
  assert.deepEqual([...codes], ['ISO8583_ERR_CONNECTOR_TIMEOUT']);
  const again = eventWithin(15_000, 'the late approval was not reversed again within 15 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(undefined);
    }),
  );
  const original = held as Received;
  peer.send(original.socket, answer(original.message, { '39': '00' }));
  await again;
  assert.deepEqual(answeredLines(reversals), ['0400 25', '0401 00']);
  const repeats = peer.received.filter((r) => r.message['0'] === '0401').map((r) => r.message as IsoMessage);
  assert.deepEqual(repeats.map((m) => m['11']), ['073001']);
  // A duplicate of the same approval (the host's copy: what the row keeps of it) is looked up to the same repeat's id
  // (stored once, whoever stores it again).
  const [left] = await sql<{ approval: IsoMessage }>(url, "SELECT late_approval AS approval FROM iso8583_saf WHERE id NOT LIKE '%.again' AND late_approval IS NOT NULL");
  const approval = left?.approval as IsoMessage;
  assert.equal(approval['11'], '073001');
  const [one, two] = [await journal.lateApproval(approval), await journal.lateApproval(approval)];
  assert.ok(one !== undefined && one.againId === two?.againId, 'one repeat id');
  assert.equal(connector.stats().reversalsPending, 0);
});
