// A batch of the PostgreSQL transaction log whose COPY committed but whose answer never came back (the answer later
// than the statement timeout, or the connection broken after the commit) fails with its fate unknown and is sent
// again: it must be stored once, not twice (a purchase listed twice by every query), and the records recorded
// meanwhile must be stored too (batch-token.ts).
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { waitUntil } from '@iso8583/test-support';
import { PgTransactionLog } from '../src/index.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases();
before(() => pgs.start());
after(() => pgs.destroy());

/** The protocol's CopyDone message: the client has sent every row of the COPY. */
const COPY_DONE = Buffer.from([0x63, 0, 0, 0, 4]);

/**
 * A TCP proxy to the database that, once armed, lets the client's next COPY through whole and then drops every answer
 * of that connection: the server commits the batch, the client never hears of it.
 */
async function answerDroppingProxy(target: number): Promise<{ port: number; arm(): void; close(): Promise<void> }> {
  let armed = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(target, '127.0.0.1');
    let mute = false;
    sockets.add(client).add(upstream);
    client.on('data', (d: Buffer) => {
      upstream.write(d);
      if (armed && d.includes(COPY_DONE)) {
        armed = false;
        mute = true;
      }
    });
    upstream.on('data', (d) => (mute ? undefined : client.write(d)));
    for (const s of [client, upstream]) {
      s.on('error', () => undefined);
      s.on('close', () => [client, upstream].forEach((o) => o.destroy()));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    arm: () => {
      armed = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test('a batch that committed but whose answer was lost is sent again and stored once; the records recorded meanwhile are stored too', async (t) => {
  const url = new URL(pgs.database('answer_lost'));
  const proxy = await answerDroppingProxy(Number(url.port));
  t.after(() => proxy.close());
  const check = new pg.Pool({ connectionString: url.toString() });
  t.after(() => check.end());
  url.port = String(proxy.port);
  const log = new PgTransactionLog({ connectionString: url.toString(), statementTimeout: 400, retryDelay: 20, maxRetryDelay: 100 });
  t.after(() => log.close());
  await log.open();
  await log.record(sampleRecord(1));
  const count = async (stan: string | undefined): Promise<number> =>
    (await check.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transactions WHERE stan = $1', [stan])).rows[0]?.n ?? 0;

  proxy.arm();
  const second = log.record(sampleRecord(2));
  await waitUntil(async () => (await count(sampleRecord(2).stan)) === 1, { what: 'the batch to commit on the server' });
  await waitUntil(() => log.stats().failedBatches === 1, { what: 'the batch to fail on the client (its answer lost)' });
  const third = log.record(sampleRecord(3));
  await Promise.all([second, third]);

  assert.equal(await count(sampleRecord(2).stan), 1, 'stored once, though sent twice');
  assert.equal(await count(sampleRecord(3).stan), 1, 'the record recorded while the batch was in doubt is stored');
  assert.deepEqual(
    (await log.query({})).map((r) => r.stan),
    [3, 2, 1].map((n) => sampleRecord(n).stan),
  );
  assert.equal(log.stats().stored, 3);
  await log.record(sampleRecord(4));
  const { rows } = await check.query<{ n: number }>('SELECT count(*)::int AS n FROM iso8583_transaction_batches');
  assert.equal(rows[0]?.n, 1, "a batch's token is deleted by the next batch: only the last one stays");
});
