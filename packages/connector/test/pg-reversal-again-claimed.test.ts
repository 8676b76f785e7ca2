// The reversal a late approval calls for, on a shared store (PostgreSQL), whose add committed but was reported failed
// (here it came back past `lease - claimInterval`: this node stalled) while another node took its row (here the
// database gives it to `node-b` as it stores it): the node tries the store again, as the same entry, finds it there and
// stores nothing. One reversal of the approval in the store, sent by the node that holds it, never two. And when the
// row was not taken, the node's renewal ends it (`not-sent`) and the next try makes that same row pending again: sent
// once, by this node. Real server, sockets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventWithin, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { answer, purchase } from './peer.js';
import type { Received } from './peer.js';
import { capturedLogger, connectorFor, peerFor } from './helpers/setup.js';
import { failure } from './helpers/failure.js';
import { sql } from './helpers/pg-owner-lock.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

interface Row {
  mti: string;
  owner: string;
  outcome: string | null;
}

const ROWS = `SELECT entry->'reversal'->>'0' AS mti, lease_owner AS owner, outcome FROM iso8583_saf ORDER BY created_at`;

/**
 * A purchase whose reversal the host answers 25 and then approves late; the first add of a 0401 sleeps on the server
 * past the stall bound (2.5 s of a 3 s lease), its row given to `owner` for an hour (a live node that took it; none:
 * the connector's own).
 */
async function approvedLate(t: Parameters<typeof connectorFor>[0], database: string, owner: string | undefined) {
  const url = cluster.createDatabase(database);
  let found!: (line: Record<string, unknown>) => void;
  const tried = eventWithin(20_000, 'the reversal of the late approval was not stored within 20 s', (resolve: (line: Record<string, unknown>) => void) => (found = resolve));
  const { logger, lines } = capturedLogger('info', (l) => {
    if (/late approval is (in the store already|stored now)/.test(String(l.msg))) found(l);
  });
  let held: Received | undefined;
  const peer = await peerFor(t, (r, p) => {
    const mti = r.message['0'];
    if (mti === '0200') held = r;
    else if (mti === '0400') p.send(r.socket, answer(r.message, { '39': '25' }));
    else p.send(r.socket, answer(r.message));
  });
  const connector = connectorFor(t, {
    host: '127.0.0.1',
    port: peer.port,
    store: url,
    safLease: 3000,
    logger,
    requestTimeout: 300,
    reversal: { enabled: true, retryInterval: 200 },
    transactionLog: false,
  });
  await connector.connect();
  await sql(
    url,
    `CREATE TABLE kept_once (x int);
     CREATE FUNCTION keep_0401() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
       IF NEW.entry->'reversal'->>'0' = '0401' AND NOT EXISTS (SELECT 1 FROM kept_once) THEN
         INSERT INTO kept_once VALUES (1);
         ${owner === undefined ? '' : `NEW.lease_owner := '${owner}'; NEW.lease_until := now() + interval '1 hour';`}
         PERFORM pg_sleep(2.5);
       END IF;
       RETURN NEW; END $$;
     CREATE TRIGGER keep_0401 BEFORE INSERT ON iso8583_saf FOR EACH ROW EXECUTE FUNCTION keep_0401();`,
  );
  connector.on('reversal', (e) => {
    // The first reversal ended (its answer undid nothing): the host approves the original now, late.
    if (e.stage === 'answered' && e.mti === '0400') peer.send((held as Received).socket, answer((held as Received).message, { '39': '00' }));
  });
  assert.equal((await failure(connector.request(purchase('071301')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  return { url, peer, connector, lines, tried };
}

test('pg: the reversal of a late approval whose add committed unseen and whose row another node took is not stored a second time', async (t) => {
  const { url, peer, lines, tried } = await approvedLate(t, 'again_claimed', 'node-b');
  const line = await tried;
  assert.match(String(line.msg), /in the store already/);
  assert.ok(lines.some((l) => l.level === 50 && /late approval could not be stored/.test(String(l.msg)) && l.code === 'ISO8583_ERR_CONNECTOR_STORE'), 'the first try was reported failed');
  const rows = await sql<Row>(url, ROWS);
  assert.deepEqual(rows.map((r) => `${r.mti} ${r.owner === 'node-b' ? 'node-b' : 'here'} ${String(r.outcome)}`), ['0400 here reversed', '0401 node-b null'], 'one reversal of the approval, held by the node that took it');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400'], 'not sent from here');
});

test('pg: the reversal of a late approval whose add committed unseen and was ended (not-sent) is stored again as the same row, and sent once', async (t) => {
  const { url, peer, connector, tried } = await approvedLate(t, 'again_forgotten', undefined);
  const repeatAnswered = eventWithin(20_000, 'the reversal of the late approval was not answered within 20 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(e);
    }),
  );
  assert.match(String((await tried).msg), /stored now/);
  await repeatAnswered;
  const rows = await sql<Row>(url, ROWS);
  assert.deepEqual(rows.map((r) => `${r.mti} ${String(r.outcome)}`), ['0400 reversed', '0401 reversed'], 'one row of the approval\'s reversal');
  assert.deepEqual(peer.received.map((r) => String(r.message['0'])), ['0200', '0400', '0401']);
});
