/**
 * The PostgreSQL transaction log's prune makes one round trip per chunk (its lock wait set and its delete in one simple
 * query, one implicit transaction), not three (`BEGIN; SET LOCAL`, the delete, `COMMIT`): counted on the wire by a
 * relay in front of the server, as the client's messages that ask for an answer (a simple query, `Q`; the end of an
 * extended query, `Sync`).
 */
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { within } from '@iso8583/test-support';
import { PgTransactionLog } from '../src/index.js';
import { PgLogDatabases } from './helpers/pg-transaction-log.js';
import { sampleRecord } from './helpers/transaction-log-contract.js';

const pgs = new PgLogDatabases({ shared: true });
before(() => pgs.start());
after(() => pgs.destroy());

/** A relay to `target` that counts the client's round trips (`Q` and `Sync` messages, after each start-up). */
async function countingRelay(target: string): Promise<{ url: string; trips(): number; close(): Promise<void> }> {
  const to = new URL(target);
  let trips = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(to.port), to.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    let pending = Buffer.alloc(0);
    let started = false;
    client.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        // The start-up message has no type byte; every later one has.
        const head = started ? 5 : 4;
        if (pending.length < head) break;
        const size = pending.readUInt32BE(started ? 1 : 0) + (started ? 1 : 0);
        if (pending.length < size) break;
        if (started && (pending[0] === 0x51 || pending[0] === 0x53)) trips++;
        started = true;
        pending = pending.subarray(size);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.port = String((server.address() as AddressInfo).port);
  return {
    url: url.toString(),
    trips: () => trips,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('prune makes one round trip per chunk (and one for the batch tokens): 6 old rows, 2 a chunk, 5 round trips', async (t) => {
  const relay = await countingRelay(pgs.database('prune_trips'));
  t.after(() => relay.close());
  const log = new PgTransactionLog({ connectionString: relay.url, pruneChunk: 2 });
  t.after(() => log.close());
  await log.open();
  const january = Date.UTC(2026, 0, 10);
  for (let i = 0; i < 6; i++) await log.record(sampleRecord(i, { at: january + i * 1000 }));
  const before = relay.trips();
  // Chunks of 2, 2, 2, then one finding none (fewer than a chunk: the end), then the batch tokens.
  assert.equal(await log.prune(Date.UTC(2026, 1, 1)), 6);
  const trips = relay.trips() - before;
  assert.equal(trips, 5, `the prune made ${trips} round trips (was 3 per step: 15)`);
});

test('prune waits at most a second for the table\'s own lock too (a LOCK TABLE or ALTER left open): its lock wait is set before the delete is planned', async () => {
  await pgs.withLog('prune_table_lock', { pruneChunk: 2 }, async ({ log, admin }) => {
    await log.record(sampleRecord(1, { at: Date.UTC(2026, 0, 10) }));
    await admin.query('BEGIN; LOCK TABLE iso8583_transactions IN ACCESS EXCLUSIVE MODE');
    try {
      const started = Date.now();
      await assert.rejects(within(log.prune(Date.UTC(2026, 1, 1)), 5_000, 'the prune waited for the table\'s lock'), (err: Error & { code?: string; cause?: { code?: string } }) => {
        assert.equal(err.code, 'ISO8583_ERR_CONNECTOR_STORE');
        assert.equal(err.cause?.code, '55P03');
        return true;
      });
      assert.ok(Date.now() - started < 4_000, `the prune ended after ${Date.now() - started} ms`);
    } finally {
      await admin.query('ROLLBACK');
    }
    assert.equal(await log.prune(Date.UTC(2026, 1, 1)), 1, 'the next prune takes the row');
  });
});
