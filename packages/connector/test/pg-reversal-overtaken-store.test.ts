// The reversal a late approval calls for, on a shared store (PostgreSQL): stored before the first reversal's end
// commits (the SAF queue's `followUp`, the same as the file journal's), never the two in either order; and when the
// database refuses it (here a trigger that refuses its row), the first reversal's entry does not end: it goes on as
// the new reversal, sent from memory, and its row is done only once that is answered. Real server, sockets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventWithin, sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import type { IsoMessage } from '@iso8583/codec';
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
  id: string;
  mti: string;
  created: Date;
  done: Date | null;
  outcome: string | null;
}

const ROWS = `SELECT id, entry->'reversal'->>'0' AS mti, created_at AS created, done_at AS done, outcome FROM iso8583_saf ORDER BY created_at`;

/** A purchase whose reversal the host answers 25, then approves the purchase late (600 of 1000); `atRepeat` sees the 0401. */
async function overtaken(t: Parameters<typeof connectorFor>[0], url: string, atRepeat: () => Promise<void> = async () => undefined) {
  const { logger, lines } = capturedLogger('info');
  let held: Received | undefined;
  const peer = await peerFor(t, (r, p) => {
    const mti = r.message['0'];
    if (mti === '0200') held = r;
    else if (mti === '0400') {
      p.send(r.socket, answer(r.message, { '39': '25' }));
      p.send(r.socket, answer((held as Received).message, { '4': '000000000600', '39': '10' }));
    } else if (mti === '0401') void atRepeat().then(() => p.send(r.socket, answer(r.message)));
    else p.send(r.socket, answer(r.message));
  });
  const connector = connectorFor(t, { host: '127.0.0.1', port: peer.port, store: url, logger, requestTimeout: 300, reversal: { enabled: true, retryInterval: 60_000 }, transactionLog: false });
  await connector.connect();
  const repeatAnswered = eventWithin(15_000, 'the transaction was not reversed again within 15 s', (resolve) =>
    connector.on('reversal', (e) => {
      if (e.stage === 'answered' && e.mti === '0401') resolve(e);
    }),
  );
  return { peer, connector, lines, repeatAnswered };
}

test('pg: the second reversal of a late approval commits before the first reversal is done', async (t) => {
  const url = cluster.createDatabase('overtaken_order');
  const { connector, repeatAnswered } = await overtaken(t, url);
  assert.equal((await failure(connector.request(purchase('071201')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await repeatAnswered;
  const rows = await sql<Row>(url, ROWS);
  assert.deepEqual(rows.map((r) => `${r.mti} ${String(r.outcome)}`), ['0400 reversed', '0401 reversed']);
  const [first, second] = rows as [Row, Row];
  assert.ok(second.created.getTime() <= (first.done as Date).getTime(), 'the add of the second came before the done of the first');
});

test('pg: a second reversal the database refuses is sent from memory in place of the first, whose row is done only once it is answered', async (t) => {
  const url = cluster.createDatabase('overtaken_refused');
  let seen: Row[] = [];
  const { peer, connector, lines, repeatAnswered } = await overtaken(t, url, async () => {
    seen = await sql<Row>(url, ROWS);
  });
  // The database refuses every row of a 0401 from now on (the table is there once the connector started).
  await sql(
    url,
    `CREATE FUNCTION refuse_0401() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
       IF NEW.entry->'reversal'->>'0' = '0401' THEN RAISE EXCEPTION 'refused (test)'; END IF; RETURN NEW; END $$;
     CREATE TRIGGER refuse_0401 BEFORE INSERT ON iso8583_saf FOR EACH ROW EXECUTE FUNCTION refuse_0401();`,
  );
  assert.equal((await failure(connector.request(purchase('071202')))).code, 'ISO8583_ERR_CONNECTOR_TIMEOUT');
  await repeatAnswered;
  const repeat = peer.received.find((r) => r.message['0'] === '0401')?.message as IsoMessage;
  assert.equal(repeat['4'], '000000000600', 'the amount the late approval moved');
  assert.deepEqual(seen.map((r) => `${r.mti} ${String(r.outcome)}`), ['0400 null'], 'the first row open while its follow-up is in flight');
  const rows = await sql<Row>(url, ROWS);
  assert.deepEqual(rows.map((r) => `${r.mti} ${String(r.outcome)}`), ['0400 reversed']);
  assert.ok(lines.some((l) => l.level === 50 && /sent from memory in place of the reversal it follows/.test(String(l.msg))));
  assert.equal(connector.stats().reversalsPending, 0);
});
