// With the PostgreSQL store and log, a SAF entry's end is recorded in the log too (outcome column text): an answered
// reversal (`reversed`, one record although a first answer refused it), expired entries (`expired`) and an abandoned
// advice (`abandoned`), each with its log code. A real PostgreSQL server (test-support) and real sockets.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sharedPostgres } from '@iso8583/test-support';
import type { PostgresCluster } from '@iso8583/test-support';
import { PgTransactionLog, createConnector } from '../src/index.js';
import type { ConnectorOptions, SafEvent, TransactionRecord } from '../src/index.js';
import { answer, purchase } from './peer.js';
import { peerFor } from './helpers/setup.js';
import { advice } from './helpers/reversals.js';

let cluster: PostgresCluster;
before(async () => {
  cluster = await sharedPostgres();
});
after(() => cluster.destroy());

// An expired entry's last attempt is a first one (0400) or a repeat (0401) depending on how loaded the machine is: its class only.
const line = (r: TransactionRecord): string => `${r.outcome === 'expired' ? `${r.mti.slice(0, 3)}x` : r.mti}/${r.stan}/${r.outcome}/${r.responseCode ?? r.errorCode ?? ''}`;

/** Resolves once `n` `saf` events of the stages given have come. */
function ends(connector: ReturnType<typeof createConnector>, stages: SafEvent['stage'][], n: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) =>
    connector.on('saf', (e) => {
      if (stages.includes(e.stage) && ++seen === n) resolve();
    }),
  );
}

test('PostgreSQL: reversed, expired and abandoned SAF entries are recorded in the transaction log, once each', async (t) => {
  const url = cluster.createDatabase('saf_txlog');
  const log = new PgTransactionLog({ connectionString: url });
  t.after(() => log.close());
  let refusedOnce = false;
  // 000901's reversal is refused once (05), then answered; nothing else but network management is ever answered.
  const peer = await peerFor(t, (r, p) => {
    const mti = String(r.message['0']);
    if (mti.startsWith('08')) p.send(r.socket, answer(r.message));
    else if (mti.startsWith('040') && r.message['11'] === '000901') {
      p.send(r.socket, answer(r.message, { '39': refusedOnce ? '00' : '05' }));
      refusedOnce = true;
    }
  });
  // The purchases wait 100 ms. The reversal refused once goes through a connector with no expiry: its repeat never
  // races expireAfter (a stall of the machine between its two attempts expired it: 040x/000901/expired). The entries
  // that expire are never answered, so they expire however loaded the machine is.
  const base: ConnectorOptions = { host: '127.0.0.1', port: peer.port, store: url, transactionLog: log, reversal: { enabled: true } };
  const reversing = createConnector({ ...base, saf: { retryInterval: 50, endCodes: ['94'] } });
  t.after(() => reversing.destroy());
  const reversed = ends(reversing, ['answered', 'expired'], 1);
  await assert.rejects(reversing.request(purchase('000901'), { timeout: 100 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await reversed;
  await reversing.close();

  const expiring = createConnector({ ...base, saf: { retryInterval: 300, expireAfter: 1000, endCodes: ['94'] } });
  t.after(() => expiring.destroy());
  const two = ends(expiring, ['answered', 'expired'], 2);
  await assert.rejects(expiring.request(purchase('000902'), { timeout: 100 }), { code: 'ISO8583_ERR_CONNECTOR_TIMEOUT' });
  await expiring.request(advice('000903'), { saf: true });
  await two;
  await expiring.close();

  const abandoning = createConnector({ ...base, saf: { retryInterval: 50, maxAttempts: 2 } });
  t.after(() => abandoning.destroy());
  const one = ends(abandoning, ['abandoned'], 1);
  await abandoning.request(advice('000904'), { saf: true });
  await one;
  await abandoning.close();

  const records = (await log.query({})).filter((r) => r.mti !== '0200');
  assert.deepEqual(records.map(line).sort(), [
    '0221/000904/abandoned/ISO8583_WARN_SAF_ABANDONED',
    '0401/000901/reversed/00',
    '040x/000902/expired/ISO8583_WARN_SAF_EXPIRED',
    '022x/000903/expired/ISO8583_WARN_SAF_EXPIRED',
  ].sort());
});
