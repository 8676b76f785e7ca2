// The host's byte copy of an UNSOLICITED approval U (one that matched no request: answered-ring.ts `Taken.Unsolicited`)
// is no late answer of a request timed out since under its key (late-keys.ts `lateAnswer`, sr65i #1), and counts
// nowhere. But no request ties U or its copy to a booking: the copy may be another booking's genuine late approval. Two
// nodes on one PostgreSQL: U (no 37, no 38: a host that sends none) comes on node A's connection before node B's
// purchase of its booking times out and B's reversal is answered 25 (original not found); then, after node A's own
// purchase under the key timed out, the same approval again on node A's connection. It must reach the shared journal's
// look-up (the 25 is in B's row, in no memory of A's) and the purchase be reversed again, once: it was dropped as a copy
// (fix67a #1). Counted nowhere all the same: a byte copy never counts twice. Real server, sockets and database.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eventWithin, sharedPostgres } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
import { PgJournal } from '../src/index.js';
import type { Connector, ConnectorOptions, ReversalEvent } from '../src/index.js';
import { answer, purchase } from './peer.js';
import type { Peer, Received } from './peer.js';
import { peerAndConnector } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { lateReports } from './helpers/late-reports.js';

/** Resolves with the first `reversal` event of `connector` answered with MTI `mti` (within 15 s, else rejects). */
const answeredReversal = (connector: Connector, mti: string, what: string): Promise<ReversalEvent> =>
  eventWithin(15_000, what, (resolve) =>
    connector.on('reversal', (e: ReversalEvent) => {
      if (e.stage === 'answered' && e.mti === mti) resolve(e);
    }),
  );

test('pg: the copy of an unsolicited approval after another node\'s reversal of its booking was answered 25 is looked up and that booking reversed again, counted nowhere', async (t) => {
  const cluster = await sharedPostgres();
  const url = cluster.createDatabase('late_approval_unsolicited_copy');
  t.after(() => cluster.destroy()); // after the connectors' destroy (hooks run in the order added: these are added later)
  const journalA = new PgJournal({ url, lease: 30_000, owner: 'node-a' });
  // Node A's look-ups of late approvals in the shared journal, each told once answered (the real journal's, watched).
  const lookUpA = journalA.lateApproval.bind(journalA);
  const lookedUp: Array<Awaited<ReturnType<typeof lookUpA>>> = [];
  let onLookUp: () => void = () => undefined;
  journalA.lateApproval = async (...args) => {
    const found = await lookUpA(...args);
    lookedUp.push(found);
    onLookUp();
    return found;
  };
  const lookUps = (n: number, what: string): Promise<void> =>
    eventWithin(15_000, what, (resolve) => {
      onLookUp = () => {
        if (lookedUp.length >= n) resolve(undefined);
      };
      onLookUp();
    });
  const options = (journal: PgJournal): Omit<ConnectorOptions, 'host' | 'port'> => ({
    requestTimeout: 5_000,
    pool: { min: 1, max: 1 },
    transactionLog: false,
    reversal: { enabled: true, journal, retryInterval: 60_000 },
  });
  // Node A's bank: its purchases are never answered (they time out), its reversals and repeats are accepted.
  const a = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] !== '0200') p.send(r.socket, answer(r.message));
  }, options(journalA));
  // Node B's bank: its purchase never answered, its reversal answered 25 (original not found).
  const b = await peerAndConnector(t, (r, p) => {
    if (r.message['0'] === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
  }, options(new PgJournal({ url, lease: 30_000, owner: 'node-b' })));
  await a.connector.connect(); // one after the other: one of them makes the schema
  await b.connector.connect();
  const reports = lateReports(a.connector);
  const [socket] = [...a.peer.sockets];
  assert.ok(socket !== undefined, 'node A is connected');
  // U: the bank's approval of B's purchase (its field 7), no 37 or 38, on node A's connection, before B's 25.
  const bookingOfB = { ...purchase('073101'), '7': '1207070000' };
  const u = answer(bookingOfB);
  a.peer.send(socket, u);
  await reports.reported(1, 'the unsolicited approval');
  // Its look-up done (it found nothing) before node B's purchase journals the reversal it would be left on.
  await lookUps(1, 'the unsolicited approval was not looked up within 15 s');
  assert.equal(lookedUp[0], undefined);
  // Node B's purchase times out; its reversal is answered 25: kept in its row, not in node A's memory.
  const twentyFive = answeredReversal(b.connector, '0400', 'node B\'s reversal was not answered within 15 s');
  assert.equal((await failure(b.connector.request(bookingOfB, { timeout: 300 }))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await twentyFive).responseCode, '25');
  // Node A's own purchase under the key (another transmission) times out; its reversal is accepted.
  const reversedA = answeredReversal(a.connector, '0400', 'node A\'s reversal was not answered within 15 s');
  assert.equal((await failure(a.connector.request({ ...purchase('073101'), '7': '1207070100' }, { timeout: 300 }))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  assert.equal((await reversedA).responseCode, '00');
  // The same approval again on node A's connection: B's booking's late approval (or the host's copy of U).
  const again = answeredReversal(a.connector, '0401', 'the late approval was not looked up and reversed again within 15 s');
  a.peer.send(socket, { ...u });
  await reports.reported(2, 'the approval again');
  assert.equal(reports.late.length, 0, 'no late answer of node A\'s purchase');
  const repeat = await again;
  assert.equal(lookedUp.length, 2, 'the approval again was looked up once');
  assert.equal(repeat.responseCode, '00');
  const repeats = a.peer.received.filter((r: Received) => r.message['0'] === '0401').map((r) => r.message as IsoMessage);
  assert.deepEqual(repeats.map((m) => [m['11'], m['7']]), [['073101', '1207070000']], 'one repeat, of B\'s booking');
  assert.equal(a.connector.stats().amounts.secured, 0, 'neither U nor its copy counted on node A');
  assert.equal((b.peer as Peer).received.filter((r) => r.message['0'] === '0401').length, 0, 'node B sent no repeat');
});
